"""Beyond a single run (contract §11): test against production (:mod:`.compare`), a run
against the one before it (:mod:`.diff`), and a consultancy's portfolio (:mod:`.status`).
All three work offline and never need a secret; :mod:`.runs` reads finished run folders."""
