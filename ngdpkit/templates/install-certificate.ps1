<#
  ngdpkit: install the NgDP certificate of one environment (__KIND__ kind); the run folder it came from says when and from which settings.
  Run it on each WorkZone web and agent server, as an administrator, in Windows PowerShell 5.1 or later:
      powershell -ExecutionPolicy Bypass -File .\install-certificate.ps1 -PfxPath <path of the .p12/.pfx>
  It imports the certificate into LocalMachine\My with a non-exportable key, installs the issuing CA into
  the intermediate store when it is missing, checks that the chain builds, grants each service account of
  this server read access to the private key (CNG or CSP) and reads the access back.
  The .p12/.pfx password is asked for and never stored.
#>
[CmdletBinding()]
param(
    [string]$PfxPath = '',
    [string[]]$ServiceAccount = @(),
    [string]$Thumbprint = __THUMBPRINT__
)
$ErrorActionPreference = 'Stop'
$Environment = __ENVIRONMENT__
$Servers = __SERVER_LIST__
$AccountsByServer = __ACCOUNTS_BY_SERVER__
$DefaultAccounts = __DEFAULT_ACCOUNTS__
$IssuingCa = __ISSUING_CA__

__KEY_FUNCTIONS__

Write-Host ('ngdpkit: installing the NgDP certificate of environment {0} ({1})' -f $Environment, ($Servers -join ', '))
if (-not $PfxPath) { throw 'Give the .p12/.pfx with -PfxPath <file>.' }
$accounts = Get-NgdpAccounts $ServiceAccount $AccountsByServer $DefaultAccounts
if ($accounts.Count -eq 0) { throw ('No service account for {0}: set service_account in the settings, or pass -ServiceAccount.' -f $env:COMPUTERNAME) }

# 1. The issuing CA into LocalMachine\CA (intermediate store) when it is missing
if ($IssuingCa) {
    $ca = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [Convert]::FromBase64String($IssuingCa))
    if (-not (Test-Path -LiteralPath ('Cert:\LocalMachine\CA\' + $ca.Thumbprint))) {
        $store = New-Object System.Security.Cryptography.X509Certificates.X509Store('CA', 'LocalMachine')
        $store.Open('ReadWrite')
        try { $store.Add($ca) } finally { $store.Close() }
        Write-Host ('Installed the issuing CA {0} ({1}) into LocalMachine\CA' -f $ca.Subject, $ca.Thumbprint)
    }
    else { Write-Host ('The issuing CA {0} is already in LocalMachine\CA' -f $ca.Thumbprint) }
}

# 2. Import into LocalMachine\My with a non-exportable private key, and verify the thumbprint
$password = Read-Host -AsSecureString -Prompt 'Certificate password'
$cert = Import-PfxCertificate -FilePath $PfxPath -CertStoreLocation 'Cert:\LocalMachine\My' -Password $password
if ($cert.Thumbprint -ne $Thumbprint) { throw ('Imported thumbprint {0} is not the expected {1}' -f $cert.Thumbprint, $Thumbprint) }

# 3. The chain must build on this server (revocation is checked by NgDP, not here)
$chain = New-Object System.Security.Cryptography.X509Certificates.X509Chain
$chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
if ($chain.Build($cert)) { Write-Host ('The chain builds: {0} element(s)' -f $chain.ChainElements.Count) }
else { throw ('The chain does not build: ' + (($chain.ChainStatus | ForEach-Object { $_.StatusInformation.Trim() }) -join '; ')) }

# 4. Read access to the private key for each service account, read back from the ACL
$keyFile = Get-NgdpKeyFile $cert
foreach ($account in $accounts) {
    $acl = Get-Acl -LiteralPath $keyFile
    $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($account, 'Read', 'Allow')
    $acl.AddAccessRule($rule)
    Set-Acl -LiteralPath $keyFile -AclObject $acl
    $right = Get-NgdpReadRight $keyFile $account
    if (-not $right) { throw ('{0} has no access to {1} after the grant' -f $account, $keyFile) }
    Write-Host ('{0}: {1} on {2}' -f $account, $right, $keyFile)
}
Write-Host ('Installed {0} for {1}' -f $cert.Thumbprint, $cert.Subject)
