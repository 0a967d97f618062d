"""Reading untrusted inputs: the files a consultant or customer hands the kit."""
