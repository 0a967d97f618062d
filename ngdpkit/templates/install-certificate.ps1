<#
  ngdpkit: install the NgDP certificate of one environment (__KIND__ kind), generated __GENERATED__.
  Run it on each server it lists below, as an administrator, in Windows PowerShell 5.1 or later:
      powershell -ExecutionPolicy Bypass -File .\install-certificate.ps1 -PfxPath <path of the .p12/.pfx>
  The .p12/.pfx password is asked for and never stored.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$PfxPath,
    [string]$ServiceAccount = __SERVICE_ACCOUNT__,
    [string]$Thumbprint = __THUMBPRINT__
)
$ErrorActionPreference = 'Stop'
$Environment = __ENVIRONMENT__
$Servers = __SERVER_LIST__
Write-Host ('ngdpkit: installing the NgDP certificate of environment {0} on: {1}' -f $Environment, ($Servers -join ', '))
$password = Read-Host -AsSecureString -Prompt 'Certificate password'
# 1. Import into LocalMachine\My with a non-exportable private key
$cert = Import-PfxCertificate -FilePath $PfxPath -CertStoreLocation 'Cert:\LocalMachine\My' -Password $password
# 2. Verify by thumbprint
if ($Thumbprint -and $cert.Thumbprint -ne $Thumbprint) { throw ('Imported thumbprint {0} is not the expected {1}' -f $cert.Thumbprint, $Thumbprint) }
# 3. Grant the service account read access to the private key
$rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
$keyName = $rsa.Key.UniqueName
$keyPath = Join-Path $env:ProgramData ('Microsoft\Crypto\Keys\' + $keyName)
if (-not (Test-Path $keyPath)) { $keyPath = Join-Path $env:ProgramData ('Microsoft\Crypto\RSA\MachineKeys\' + $keyName) }
$acl = Get-Acl -Path $keyPath
$rule = New-Object System.Security.AccessControl.FileSystemAccessRule($ServiceAccount, 'Read', 'Allow')
$acl.AddAccessRule($rule)
Set-Acl -Path $keyPath -AclObject $acl
Write-Host ('Installed {0} for {1}; private key readable by {2}' -f $cert.Thumbprint, $cert.Subject, $ServiceAccount)
