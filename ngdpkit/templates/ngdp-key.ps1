# --- shared by install-certificate.ps1 and server-check.ps1 (ngdpkit) ---
function Get-NgdpKeyFile([System.Security.Cryptography.X509Certificates.X509Certificate2]$Cert) {
    # CNG keys live in Microsoft\Crypto\Keys under their UniqueName; legacy CSP keys in
    # Microsoft\Crypto\RSA\MachineKeys under their UniqueKeyContainerName. .NET may report a
    # CSP key through [System.Security.Cryptography.RSACng], so every name it gives is looked for in both
    # folders, whatever the type. Anything else is an error, never the folder itself.
    $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Cert)
    $names = @()
    try { if ($rsa.Key.UniqueName) { $names += $rsa.Key.UniqueName } } catch { }
    try { if ($rsa.CspKeyContainerInfo.UniqueKeyContainerName) { $names += $rsa.CspKeyContainerInfo.UniqueKeyContainerName } } catch { }
    foreach ($name in $names) {
        foreach ($folder in @('Microsoft\Crypto\Keys\', 'Microsoft\Crypto\RSA\MachineKeys\')) {
            $path = Join-Path $env:ProgramData ($folder + $name)
            if (Test-Path -LiteralPath $path -PathType Leaf) { return $path }
        }
    }
    throw ('No private key file found for certificate {0}: neither a CNG key (Microsoft\Crypto\Keys) nor a CSP key (Microsoft\Crypto\RSA\MachineKeys).' -f $Cert.Thumbprint)
}

function Get-NgdpReadRight([string]$Path, [string]$Account) {
    # The rights the ACL gives the account itself on the key file, read back by SID: empty
    # unless its Allow entries hold Read whole and no Deny entry takes any of it away (an
    # entry for Synchronize or Write alone is no read right; a Deny outweighs an Allow).
    $sid = (New-Object System.Security.Principal.NTAccount($Account)).Translate([System.Security.Principal.SecurityIdentifier])
    $acl = Get-Acl -LiteralPath $Path
    $allowed = 0
    $denied = 0
    foreach ($rule in @($acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier]))) {
        if ($rule.IdentityReference -ne $sid) { continue }
        if ($rule.AccessControlType -eq 'Allow') { $allowed = $allowed -bor [int]$rule.FileSystemRights }
        else { $denied = $denied -bor [int]$rule.FileSystemRights }
    }
    $allowed = ConvertTo-NgdpFileRights $allowed
    $denied = ConvertTo-NgdpFileRights $denied
    $read = [int][System.Security.AccessControl.FileSystemRights]::Read
    if ((($allowed -band $read) -ne $read) -or (($denied -band $read) -ne 0)) { return '' }
    return ([System.Security.AccessControl.FileSystemRights]$allowed).ToString()
}

function ConvertTo-NgdpFileRights([int]$Mask) {
    # A stored entry may hold generic rights (GENERIC_ALL 0x10000000, GENERIC_EXECUTE
    # 0x20000000, GENERIC_WRITE 0x40000000, GENERIC_READ 0x80000000): each counts as the file
    # rights it stands for, and the generic bits are dropped, so that the rights print by
    # name (Read, FullControl) and not as a negative number.
    $rights = [System.Security.AccessControl.FileSystemRights]
    if (($Mask -band 0x10000000) -ne 0) { $Mask = $Mask -bor [int]$rights::FullControl }
    if (($Mask -band 0x20000000) -ne 0) { $Mask = $Mask -bor [int]$rights::ExecuteFile }
    if (($Mask -band 0x40000000) -ne 0) { $Mask = $Mask -bor [int]$rights::Write }
    if (($Mask -band 0x80000000) -ne 0) { $Mask = $Mask -bor [int]$rights::Read }
    return ($Mask -band 0x0FFFFFFF)
}

function Resolve-NgdpOutDir([string]$Path) {
    # -OutDir as PowerShell resolves a path (relative to this session's folder, not the
    # process's), tried for writing before any work: code pasted into a console has no
    # $PSScriptRoot, and a read-only share would fail only at the end
    if (-not $Path) { $Path = (Get-Location).ProviderPath }
    $Path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Container)) { throw ('-OutDir {0} is not a folder: give one with -OutDir <folder>.' -f $Path) }
    if ($WhatIfPreference) { return $Path }  # -WhatIf writes nothing, not even a test file
    try {
        $probe = Join-Path $Path ('.ngdpkit-write-test-' + [guid]::NewGuid().ToString('N'))
        [System.IO.File]::WriteAllText($probe, '')
        Remove-Item -LiteralPath $probe
    } catch { throw ('Nothing was checked or changed: the evidence cannot be written to {0} ({1}); give a writable folder with -OutDir <folder>.' -f $Path, $_.Exception.Message) }
    return $Path
}

function Get-NgdpAccounts([string[]]$Given, [hashtable]$ByServer, [string[]]$Default) {
    # The accounts that must read the key on this server: -ServiceAccount, else those of this
    # server (every configured server is in the table, keyed as $env:COMPUTERNAME spells it).
    # A server missing from a non-empty table gets none: never the accounts of the environment
    # by accident (a name Windows shortens, or a server the settings do not list).
    # A name holds no comma (Windows refuses one in an account name): powershell -File hands
    # -ServiceAccount A,B over as the one string 'A,B', and -Command, which splits it, turns the
    # exit code 2 of a failed check into 1, the code of a script that stopped on an error
    $accounts = @($Given | ForEach-Object { ([string]$_).Split(',') } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    if ($accounts.Count -eq 0 -and $ByServer.ContainsKey($env:COMPUTERNAME)) { $accounts = @($ByServer[$env:COMPUTERNAME] | Where-Object { $_ }) }
    if ($accounts.Count -eq 0 -and $ByServer.Count -eq 0) { $accounts = @($Default | Where-Object { $_ }) }
    # PowerShell unrolls what a function returns: one account comes back as a string, none as
    # nothing. Callers wrap the call in @(), since .Count on a string stops the script under
    # Set-StrictMode in Windows PowerShell 5.1.
    return $accounts
}

function Assert-NgdpAccounts([string[]]$Accounts) {
    # Every account must exist before anything changes: a typo or an app pool not created yet
    # stops the script here, not half-way with the certificate imported.
    # Nor may one stand for every user, judged by its SID, whatever the language Windows names
    # it in (BUILTIN\Users is BUILTIN\Brugere on a Danish server, unknown to the run), and a
    # name given with -ServiceAccount is checked by no run (Everyone, LOCAL, INTERACTIVE,
    # ANONYMOUS LOGON, Authenticated Users, Users, Guests; Domain Users, Guests, Computers)
    $broad = '^(S-1-1-0|S-1-2-0|S-1-5-4|S-1-5-7|S-1-5-11|S-1-5-32-545|S-1-5-32-546|S-1-5-21-[0-9]+-[0-9]+-[0-9]+-51[345])$'
    foreach ($account in $Accounts) {
        try { $sid = (New-Object System.Security.Principal.NTAccount($account)).Translate([System.Security.Principal.SecurityIdentifier]) }
        catch { throw ('The service account {0} does not exist on this server (create it first, or fix service_account in the settings).' -f $account) }
        if ($sid.Value -match $broad) { throw ('Nothing was changed. The service account {0} ({1}) stands for every user: each of them would read the private key of the NgDP certificate. Give the service account of WorkZone itself.' -f $account, $sid.Value) }
    }
}
# --- end of the shared part ---
