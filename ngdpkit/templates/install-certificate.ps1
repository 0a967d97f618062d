#Requires -RunAsAdministrator
#Requires -Version 5.1
#Requires -PSEdition Desktop
<#
  ngdpkit: install the NgDP certificate of one environment (__KIND__ kind); the run folder it came from says when and from which settings.
  Run it on each WorkZone web and agent server, as an administrator, in Windows PowerShell 5.1 (not PowerShell 7: the script says #Requires -PSEdition Desktop):
      powershell -ExecutionPolicy Bypass -File .\install-certificate.ps1 -PfxPath <path of the .p12/.pfx>
  It installs the root CA of the environment into LocalMachine\Root and its issuing CA into LocalMachine\CA
  (each checked against its thumbprint before import; a root that is not one of the real OCES3 roots
  ngdpkit ships, from the trust_anchors of the settings, only with -TrustCustomRoot), imports the certificate into LocalMachine\My
  with a non-exportable key unless it is there already with its key, selects it by its thumbprint,
  checks that the chain builds, grants each service account of this server read access to the
  private key (CNG and CSP key folders both searched) and reads the access back by SID. It writes
  ngdpkit-install-<server>-<environment>.json beside itself: hand it back to the consultant, who
  lists it under probe_evidence. The .p12/.pfx password is asked for and never stored; delete the
  .p12/.pfx from the server afterwards.
  With -WhatIf it checks the accounts and the root CA as above, prints what it would change,
  and changes and writes nothing (no password is asked for). When the settings list servers,
  on a server they do not list for this environment it stops before any change, unless
  given -ServerNotInSettings with -ServiceAccount.
__HANDLING__
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [string]$PfxPath = '',
    [string[]]$ServiceAccount = @(),
    [string]$Thumbprint = __THUMBPRINT__,
    [string]$OutDir = $PSScriptRoot,
    [switch]$TrustCustomRoot,
    [switch]$ServerNotInSettings
)
$ErrorActionPreference = 'Stop'
# Constrained Language Mode (AppLocker or WDAC, for a script outside the folders their rules
# allow, or one sent by Invoke-Command -FilePath): it refuses the .NET calls of this script
# half-way, with "Method invocation is supported only on core types in this language mode".
# Said first, in one line, before any work: only a property read, Write-Host and exit here.
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    Write-Host ('Nothing was changed: PowerShell runs this script in {0} on {1} (AppLocker or WDAC), which refuses the .NET calls it makes. Copy it into a folder the AppLocker rules allow and run it there, or have it signed with the code-signing certificate of the organisation once its SHA-256 matches.' -f $ExecutionContext.SessionState.LanguageMode, $env:COMPUTERNAME) -ForegroundColor Red
    exit 1
}
# What this script changed on this server, said when a later step fails (the trap below). Made
# first: a trap covers its whole scope, the lines before it too, and under Set-StrictMode (a
# profile may set it) an unset variable in the trap would hide the error it reports.
$changed = New-Object System.Collections.ArrayList
$Environment = __ENVIRONMENT__
$Servers = __SERVER_LIST__
$AccountsByServer = __ACCOUNTS_BY_SERVER__
$DefaultAccounts = __DEFAULT_ACCOUNTS__
$RootCa = __ROOT_CA__
$RootThumbprint = __ROOT_THUMBPRINT__
$RootIsOces3 = __ROOT_IS_BUNDLED__
$EnvironmentKind = '__KIND__'
$IssuingCa = __ISSUING_CA__
$IssuingThumbprint = __ISSUING_THUMBPRINT__

__KEY_FUNCTIONS__
$OutDir = Resolve-NgdpOutDir $OutDir
# Sent by Invoke-Command -FilePath (a remote session, and no file of its own): the evidence
# goes to the folder of that session, and the exit code stays on this server. Said first.
# $PSSenderInfo is not read: under Set-StrictMode an unset variable stops the script.
if ((Test-Path -LiteralPath 'Variable:\PSSenderInfo') -and -not $PSScriptRoot) {
    Write-Warning ('This script came by Invoke-Command -FilePath: its evidence is written to {0} on {1}, and its exit code does not reach the computer that sent it. Read its last lines, fetch the evidence with Copy-Item -FromSession, or copy the script to the server (Copy-Item -ToSession) and run it from there (the README of ngdpkit, On many servers at once, has the loop).' -f $OutDir, $env:COMPUTERNAME)
}

function Format-NgdpQuoted([string]$Text) {
    # Text for inside a single-quoted string of a printed command: every quote PowerShell
    # ends such a string at (the typographic ones too) doubled
    $quotes = '[' + [char]0x27 + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B + ']'
    return ($Text -replace $quotes, '$0$0')
}

function Assert-NgdpCa([string]$Base64, [string]$Expected) {
    # An embedded CA that is not what ngdpkit wrote stops the script before any change
    if (-not $Base64) { return }
    $ca = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [Convert]::FromBase64String($Base64))
    if ($ca.Thumbprint -ne $Expected) { throw ('Nothing was changed. The embedded CA has thumbprint {0}, not {1}: the script was changed.' -f $ca.Thumbprint, $Expected) }
}

function Install-NgdpCa([string]$Base64, [string]$Expected, [string]$StoreName) {
    # A CA embedded in this script, checked against its thumbprint, into LocalMachine\<StoreName>.
    if (-not $Base64) { return }
    $ca = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [Convert]::FromBase64String($Base64))
    if ($ca.Thumbprint -ne $Expected) { throw ('The embedded CA has thumbprint {0}, not {1}: the script was changed.' -f $ca.Thumbprint, $Expected) }
    if (Test-Path -LiteralPath ('Cert:\LocalMachine\' + $StoreName + '\' + $ca.Thumbprint)) {
        Write-Host ('{0} ({1}) is already in LocalMachine\{2}' -f $ca.Subject, $ca.Thumbprint, $StoreName)
        return
    }
    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store($StoreName, 'LocalMachine')
    $store.Open('ReadWrite')
    try { $store.Add($ca) } finally { $store.Close() }
    Write-Host ('Installed {0} ({1}) into LocalMachine\{2}' -f $ca.Subject, $ca.Thumbprint, $StoreName)
    [void]$changed.Add(@{ What = ('put the CA {0} into LocalMachine\{1}' -f $ca.Thumbprint, $StoreName); Undo = ('Remove-Item -LiteralPath Cert:\LocalMachine\{1}\{0}' -f $ca.Thumbprint, $StoreName) })
}

function Get-NgdpEarlierChanges([string]$Path) {
    # The changes that the evidence an earlier run of this script left at $Path lists, each as
    # this script writes it (none when there is no such file, or it cannot be read)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return }
    # Read leniently whatever strict mode the caller set: evidence of an older run (or one
    # edited by hand) may lack changes or what, and under Set-StrictMode -Version Latest
    # reading a property that is not there throws, which read as an unreadable file
    Set-StrictMode -Off
    try {
        foreach ($c in @((Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json).changes)) {
            if (($c -ne $null) -and $c.what) { [ordered]@{ what = [string]$c.what; undo = [string]$c.undo } }
        }
    } catch { Write-Warning ('The earlier evidence {0} could not be read ({1}): the changes it lists are not carried over; keep that file.' -f $Path, $_.Exception.Message) }
}

Write-Host ('ngdpkit: installing the NgDP certificate of environment {0} ({1})' -f $Environment, ($Servers -join ', '))
# A server the settings do not list gets the key of this environment only on purpose: with
# -ServiceAccount alone, the key of production could land on a test server (both scripts
# have one name), which an operations engineer found the error message invited
if ($AccountsByServer.Count -gt 0 -and -not $AccountsByServer.ContainsKey($env:COMPUTERNAME) -and -not $ServerNotInSettings) {
    throw ('Nothing was changed. This server, {0}, is not one of the servers of environment {1} in the settings ({2}). Check that this is the script of the right environment; add the server to servers in the settings and run ngdpkit again, or, only if you are sure, run the script again with -ServerNotInSettings and -ServiceAccount.' -f $env:COMPUTERNAME, $Environment, ($Servers -join ', '))
}
if ($ServerNotInSettings -and -not $ServiceAccount) {
    throw 'Nothing was changed. -ServerNotInSettings needs -ServiceAccount <account>: the settings name no account for a server they do not list.'
}
$accounts = @(Get-NgdpAccounts $ServiceAccount $AccountsByServer $DefaultAccounts)
if ($accounts.Count -eq 0) { throw ('Nothing was changed. No service account for {0}: the settings give it none (service_account); pass -ServiceAccount.' -f $env:COMPUTERNAME) }
Assert-NgdpAccounts $accounts

# A root CA the settings named themselves (their trust_anchors), not one of the OCES3 roots
# ngdpkit ships, would be trusted for every TLS connection of this server: only on purpose.
if ($RootCa -and -not $RootIsOces3 -and $EnvironmentKind -eq 'production') {
    throw 'Nothing was changed. The root CA in this script is not one of the OCES3 roots ngdpkit ships, and a production server trusts only the real OCES3 root: fix trust_anchors in the settings and run ngdpkit again.'
}
if ($RootCa -and -not $RootIsOces3 -and -not $TrustCustomRoot) {
    $custom = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [Convert]::FromBase64String($RootCa))
    throw ('Nothing was changed. The root CA in this script, {0} (thumbprint {1}), is not one of the OCES3 roots ngdpkit ships: the settings named their own trust anchors, and Windows would trust this CA for every TLS connection of this server. Only on a test server, and only if you know this CA, run the script again with -TrustCustomRoot.' -f $custom.Subject, $custom.Thumbprint)
}

# The embedded CAs are checked before anything (-WhatIf too): an edited script changes nothing
Assert-NgdpCa $RootCa $RootThumbprint
Assert-NgdpCa $IssuingCa $IssuingThumbprint

# -WhatIf: what the steps below would change on this server, and nothing changed or written
if ($WhatIfPreference) {
    Write-Host 'What if: nothing is changed and no evidence is written. Without -WhatIf this script would, on this server:'
    foreach ($ca in @(@($RootCa, $RootThumbprint, 'Root'), @($IssuingCa, $IssuingThumbprint, 'CA'))) {
        if (-not $ca[0]) { continue }
        if (Test-Path -LiteralPath ('Cert:\LocalMachine\' + $ca[2] + '\' + $ca[1])) { Write-Host ('  keep the CA {0}, already in LocalMachine\{1}' -f $ca[1], $ca[2]) }
        else { Write-Host ('  put the CA {0} into LocalMachine\{1}' -f $ca[1], $ca[2]) }
    }
    if ($RootCa -and -not $RootIsOces3) { Write-Host ('  trust the root CA {0}, which is not an OCES3 root, for every TLS connection of this server' -f $RootThumbprint) }
    $present = Get-Item -LiteralPath ('Cert:\LocalMachine\My\' + $Thumbprint) -ErrorAction SilentlyContinue
    if ($present -ne $null -and $present.HasPrivateKey) { Write-Host ('  keep the certificate {0}, installed with its key' -f $Thumbprint) }
    elseif ($PfxPath) { Write-Host ('  import the certificate {0} from {1} into LocalMachine\My, with a non-exportable key (asking for its password)' -f $Thumbprint, $PfxPath) }
    else { Write-Host ('  import the certificate {0} into LocalMachine\My: give the .p12/.pfx with -PfxPath <file>' -f $Thumbprint) }
    Write-Host '  check that its chain builds'
    foreach ($account in $accounts) { Write-Host ('  give {0} read access to the private key, unless it has it' -f $account) }
    Write-Host ('  write its evidence to {0}' -f (Join-Path $OutDir ('ngdpkit-install-{0}-{1}.json' -f $env:COMPUTERNAME, $Environment)))
    return
}

# A later step that fails stops the script with no evidence file: what it changed before is
# said here (a root trusted with -TrustCustomRoot would otherwise go unnamed). The trap runs
# before PowerShell shows the error, so the error follows these lines.
trap {
    if ($changed.Count -gt 0) {
        Write-Warning ('Stopped before the end, with no evidence written. This script had already, on {0}, last first:' -f $env:COMPUTERNAME)
        # last first, each undo a command of its own on its own line, to paste as it stands
        for ($i = $changed.Count - 1; $i -ge 0; $i--) {
            Write-Warning ('  ' + $changed[$i].What)
            if ($changed[$i].Undo) { Write-Warning ('    undo: ' + $changed[$i].Undo) }
        }
        Write-Warning 'Fix the cause shown below and run the script again (what is in place is kept), or undo those changes in this order.'
    }
    break
}

# 1. The certificate in LocalMachine\My with its key: kept when it is there, else imported.
# First, so that a missing -PfxPath, a wrong password or a .p12 this Windows cannot read
# stops the script before any CA is put into a trust store (a root trusted with
# -TrustCustomRoot stayed in LocalMachine\Root, with no evidence file to name it: the cold
# read of an administrator).
$cert = Get-Item -LiteralPath ('Cert:\LocalMachine\My\' + $Thumbprint) -ErrorAction SilentlyContinue
if ($cert -ne $null -and $cert.HasPrivateKey) {
    Write-Host ('The certificate {0} is already installed with its key: not imported again' -f $Thumbprint)
}
else {
    if (-not $PfxPath) { throw 'Give the .p12/.pfx with -PfxPath <file>.' }
    $password = Read-Host -AsSecureString -Prompt 'Certificate password'
    # What is in the store before, so that only what the import adds is named as a change
    $before = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\My' | ForEach-Object { $_.Thumbprint })
    try {
        $imported = @(Import-PfxCertificate -FilePath $PfxPath -CertStoreLocation 'Cert:\LocalMachine\My' -Password $password)
    }
    catch {
        $build = [Environment]::OSVersion.Version.Build
        if ($build -lt 17763) {
            throw ('The import failed on Windows Server 2016 or older (build {0}): a .p12 encrypted with AES (CERT_P12_MODERN_ENCRYPTION in the run) cannot be imported there, and Windows says the password is wrong. Re-export it with 3DES (the run says how). {1}' -f $build, $_.Exception.Message)
        }
        throw
    }
    # The .p12 may carry the chain: the result is then an array, so select by thumbprint
    $cert = $imported | Where-Object { $_.Thumbprint -eq $Thumbprint } | Select-Object -First 1
    foreach ($one in ($imported | Where-Object { $before -notcontains $_.Thumbprint })) { [void]$changed.Add(@{ What = ('imported {0} into LocalMachine\My' -f $one.Thumbprint); Undo = ('Remove-Item -LiteralPath Cert:\LocalMachine\My\{0} -DeleteKey' -f $one.Thumbprint) }) }
    if ($cert -eq $null) { throw ('The .p12/.pfx holds no certificate with thumbprint {0} (it holds {1})' -f $Thumbprint, (($imported | ForEach-Object { $_.Thumbprint }) -join ', ')) }
    # A certificate that was there without its key has its key now: a change with no undo
    # here (removing the key would remove the certificate that was there before)
    if (($before -contains $Thumbprint) -and $cert.HasPrivateKey) { [void]$changed.Add(@{ What = ('imported the private key of {0}, which was in LocalMachine\My without it' -f $Thumbprint); Undo = '' }) }
}

# 2. The root CA into LocalMachine\Root and the issuing CA into LocalMachine\CA
Install-NgdpCa $RootCa $RootThumbprint 'Root'
Install-NgdpCa $IssuingCa $IssuingThumbprint 'CA'

# 3. The chain must build on this server (revocation is checked by NgDP, not here)
$chain = New-Object System.Security.Cryptography.X509Certificates.X509Chain
$chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
$chainOk = $chain.Build($cert)
if ($chainOk) { Write-Host ('The chain builds: {0} element(s)' -f $chain.ChainElements.Count) }
else { Write-Warning ('The chain does not build: ' + (($chain.ChainStatus | ForEach-Object { $_.StatusInformation.Trim() }) -join '; ')) }

# 4. Read access to the private key for each service account, read back from the ACL by SID
$keyFile = Get-NgdpKeyFile $cert
foreach ($account in $accounts) {
    $right = Get-NgdpReadRight $keyFile $account
    if (-not $right) {
        # the access rules alone: Get-Acl/Set-Acl would write the owner back too, which fails
        # on a key file another account owns ("not allowed to be the owner")
        $acl = (Get-Item -LiteralPath $keyFile).GetAccessControl('Access')
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($account, 'Read', 'Allow')
        $acl.AddAccessRule($rule)
        [System.IO.File]::SetAccessControl($keyFile, $acl)
        $undo = "`$a = (Get-Item -LiteralPath '{0}').GetAccessControl('Access'); [void]`$a.RemoveAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule('{1}', 'Read', 'Allow'))); [System.IO.File]::SetAccessControl('{0}', `$a)" -f (Format-NgdpQuoted $keyFile), (Format-NgdpQuoted $account)
        [void]$changed.Add(@{ What = ('gave {0} read access to the key file {1}' -f $account, $keyFile); Undo = $undo })
        $right = Get-NgdpReadRight $keyFile $account
    }
    if (-not $right) { throw ('{0} has no access to {1} after the grant' -f $account, $keyFile) }
    Write-Host ('{0}: {1} on {2}' -f $account, $right, $keyFile)
}

# 5. The evidence for the run (contract 12.4): no secret in it. What this run changed goes
# in it too, last first as the trap says it, each change with its undo: what taking the
# server out of NgDP needs (an operations engineer saw the evidence name only a custom root;
# a Windows administrator saw the first order invite an undo that fails)
$done = @()
for ($i = $changed.Count - 1; $i -ge 0; $i--) { $done += ,([ordered]@{ what = $changed[$i].What; undo = $changed[$i].Undo }) }
# What an earlier run of this script changed here stays in the list, after the changes of
# this run (it came before them), each once: a second run changes nothing, and the run asks
# for new evidence every 30 days, so the evidence written again lost the undos of the first
# run, the only record of what taking the server out of NgDP needs (a Windows administrator
# ran the script twice, as the README says, and found the list empty)
$out = Join-Path $OutDir ('ngdpkit-install-{0}-{1}.json' -f $env:COMPUTERNAME, $Environment)
$madeNow = $done.Count
foreach ($c in @(Get-NgdpEarlierChanges $out)) {
    if (@($done | Where-Object { $_.what -eq $c.what }).Count -eq 0) { $done += ,$c }
}
$evidence = [ordered]@{
    kind = 'install'
    server = $env:COMPUTERNAME
    environment = $Environment
    thumbprint = $cert.Thumbprint
    key_accounts = @($accounts)
    chain_ok = [bool]$chainOk
    # a root the settings named, not an OCES3 root, trusted on this server (-TrustCustomRoot)
    custom_root = $(if ($RootCa -and -not $RootIsOces3) { $RootThumbprint } else { $null })
    changes = $done
    taken_at = (Get-Date).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}
$evidence | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $out -Encoding UTF8
$changed.Clear()  # the evidence says what is in place now
Write-Host ('Installed {0} for {1}; evidence in {2}' -f $cert.Thumbprint, $cert.Subject, $out)
if ($madeNow -eq 0) { Write-Host 'Nothing was changed on this server: all of it was in place already.' }
if ($done.Count -gt $madeNow) { Write-Host ('The evidence keeps {0} change(s) an earlier run of this script made here.' -f ($done.Count - $madeNow)) }
if ($done.Count -gt 0) {
    Write-Host 'Changed on this server, last first (to take the server out of NgDP, run the undos in this order):'
    foreach ($c in $done) {
        Write-Host ('  ' + $c.what)
        if ($c.undo) { Write-Host ('    undo: ' + $c.undo) }
    }
    # the JSON escapes quotes and doubles backslashes: this reads the undos back as commands
    Write-Host ('The same list is in the evidence; to print its undos later: (Get-Content -LiteralPath ''{0}'' -Raw | ConvertFrom-Json).changes | ForEach-Object {{ $_.undo }}' -f (Format-NgdpQuoted $out))
}
Write-Host 'Delete the .p12/.pfx from this server now: the key is in the certificate store.'
if (-not $chainOk) { throw 'The chain does not build: see the warning above (the evidence says chain_ok false).' }
