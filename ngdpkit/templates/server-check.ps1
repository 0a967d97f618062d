<#
  ngdpkit server check for one environment (__KIND__ kind), generated __GENERATED__.
  Run on each WorkZone web and agent server, in Windows PowerShell 5.1 or later, as an administrator:
      $env:NGDPKIT_AUTHORIZATION = '<the authorization header>'   # optional: enables the NgDP API call
      powershell -ExecutionPolicy Bypass -File .\server-check.ps1
  It writes ngdpkit-server-check-<server>-<environment>.json beside itself. Hand that file back to the
  consultant, who lists it under probe_evidence in the settings. The file holds no secret.
#>
[CmdletBinding()]
param(
    [string]$Thumbprint = __THUMBPRINT__,
    [string]$ServiceAccount = __SERVICE_ACCOUNT__,
    [string]$OutDir = $PSScriptRoot
)
$ErrorActionPreference = 'Stop'
$Environment = __ENVIRONMENT__
$ApiUrl = __API_URL__
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
$checks = New-Object System.Collections.ArrayList

function Add-Check([string]$Kind, [string]$Target, [bool]$Ok, [string]$Detail, $Status) {
    [void]$checks.Add([ordered]@{ kind = $Kind; target = $Target; ok = $Ok; detail = $Detail; status = $Status })
}

$destinations = @(
__DESTINATIONS__
)

foreach ($d in $destinations) {
    try {
        $ips = @([System.Net.Dns]::GetHostAddresses($d.Host) | ForEach-Object { $_.IPAddressToString })
        Add-Check 'dns' $d.Host $true ($ips -join ', ') $null
    } catch {
        Add-Check 'dns' $d.Host $false $_.Exception.Message $null
        continue
    }
    $tcp = Test-NetConnection -ComputerName $d.Host -Port $d.Port -WarningAction SilentlyContinue
    Add-Check 'tcp' ("{0}:{1}" -f $d.Host, $d.Port) ([bool]$tcp.TcpTestSucceeded) ("remote {0}" -f $tcp.RemoteAddress) $null
}

# The certificate and its private key
$cert = $null
try {
    $cert = Get-Item -Path ("Cert:\LocalMachine\My\{0}" -f $Thumbprint)
    Add-Check 'certificate' $Thumbprint $true $cert.Subject $null
} catch {
    Add-Check 'certificate' $Thumbprint $false 'not found in Cert:\LocalMachine\My' $null
}
if ($cert -ne $null) {
    Add-Check 'key' $Thumbprint ([bool]$cert.HasPrivateKey) ('HasPrivateKey=' + $cert.HasPrivateKey) $null
    try {
        $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
        $keyName = $rsa.Key.UniqueName
        $keyPath = Join-Path $env:ProgramData ('Microsoft\Crypto\Keys\' + $keyName)
        if (-not (Test-Path $keyPath)) { $keyPath = Join-Path $env:ProgramData ('Microsoft\Crypto\RSA\MachineKeys\' + $keyName) }
        $acl = Get-Acl -Path $keyPath
        $granted = @($acl.Access | Where-Object { $_.IdentityReference.Value -eq $ServiceAccount })
        Add-Check 'key_access' $ServiceAccount ($granted.Count -gt 0) ('key file ' + $keyName) $null
    } catch {
        Add-Check 'key_access' $ServiceAccount $false $_.Exception.Message $null
    }
}

# The NgDP API with the certificate and the authorization header (read-only call)
if ($cert -ne $null) {
    $headers = @{}
    if ($env:NGDPKIT_AUTHORIZATION) { $headers['Authorization'] = $env:NGDPKIT_AUTHORIZATION }
    try {
        $r = Invoke-WebRequest -Uri ($ApiUrl + '/receipts/') -Certificate $cert -Headers $headers -UseBasicParsing -TimeoutSec 20
        Add-Check 'https' $ApiUrl $true 'answered' ([int]$r.StatusCode)
    } catch [System.Net.WebException] {
        $status = $null
        if ($_.Exception.Response -ne $null) { $status = [int]$_.Exception.Response.StatusCode }
        $isTls = ($_.Exception.Status -eq [System.Net.WebExceptionStatus]::TrustFailure) -or ($_.Exception.Status -eq [System.Net.WebExceptionStatus]::SecureChannelFailure)
        if ($isTls) { Add-Check 'tls' $ApiUrl $false $_.Exception.Message $null }
        else { Add-Check 'https' $ApiUrl $false $_.Exception.Message $status }
    }
}

# The egress address NgDP sees
try {
    $egress = (Invoke-RestMethod -Uri 'https://api.ipify.org' -UseBasicParsing -TimeoutSec 10).ToString().Trim()
} catch { $egress = $null }

$result = [ordered]@{
    schema = 'ngdpkit/server-check/1'
    environment = $Environment
    server = $env:COMPUTERNAME
    taken_at = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    egress_ip = $egress
    expected_ips = __EXPECTED_IPS__
    checks = $checks
}
$file = Join-Path $OutDir ('ngdpkit-server-check-{0}-{1}.json' -f $env:COMPUTERNAME, $Environment)
$result | ConvertTo-Json -Depth 5 | Set-Content -Path $file -Encoding UTF8
Write-Host ('Written: ' + $file)
