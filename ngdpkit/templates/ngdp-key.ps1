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
    # The rights the ACL allows the account on the key file, read back by SID.
    $sid = (New-Object System.Security.Principal.NTAccount($Account)).Translate([System.Security.Principal.SecurityIdentifier])
    $acl = Get-Acl -LiteralPath $Path
    $rules = @($acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier]) | Where-Object { $_.IdentityReference -eq $sid -and $_.AccessControlType -eq 'Allow' })
    $rights = @($rules | ForEach-Object { $_.FileSystemRights.ToString() })
    return ($rights -join ', ')
}

function Get-NgdpAccounts([string[]]$Given, $ByServer, [string[]]$Default) {
    # The accounts that must read the key on this server: -ServiceAccount, else those of this
    # server (every configured server is in the table, keyed as $env:COMPUTERNAME spells it).
    # A server missing from a non-empty table gets none: never the accounts of the environment
    # by accident (a name Windows shortens, or a server the settings do not list).
    $accounts = @($Given | Where-Object { $_ })
    if ($accounts.Count -eq 0 -and $ByServer.ContainsKey($env:COMPUTERNAME)) { $accounts = @($ByServer[$env:COMPUTERNAME] | Where-Object { $_ }) }
    if ($accounts.Count -eq 0 -and $ByServer.Count -eq 0) { $accounts = @($Default | Where-Object { $_ }) }
    return $accounts
}

function Assert-NgdpAccounts([string[]]$Accounts) {
    # Every account must exist before anything changes: a typo or an app pool not created yet
    # stops the script here, not half-way with the certificate imported.
    foreach ($account in $Accounts) {
        try { $null = (New-Object System.Security.Principal.NTAccount($account)).Translate([System.Security.Principal.SecurityIdentifier]) }
        catch { throw ('The service account {0} does not exist on this server (create it first, or fix service_account in the settings).' -f $account) }
    }
}
# --- end of the shared part ---
