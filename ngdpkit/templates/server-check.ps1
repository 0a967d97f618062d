#Requires -RunAsAdministrator
#Requires -Version 5.1
#Requires -PSEdition Desktop
<#
  ngdpkit server check for one environment (__KIND__ kind); the run folder it came from says when and from which settings.
  Run on each WorkZone web and agent server, in Windows PowerShell 5.1 (not PowerShell 7: the script says #Requires -PSEdition Desktop), as an administrator:
      powershell -ExecutionPolicy Bypass -File .\server-check.ps1 [-AskAuthorization] [-EgressIp <public address>]
  -AskAuthorization asks for the NgDP authorization header (hidden input, never stored), which
  enables the NgDP API call; -AuthorizationFile <path> reads it from a file readable only by you.
  Never type the header into an environment variable: PowerShell keeps that line in its history.
  It writes ngdpkit-server-check-<server>-<environment>.json beside itself. Hand that file back to the
  consultant, who lists it under probe_evidence in the settings. The file holds no secret.
  -EgressIpUrl <https URL> looks the egress address up instead; use it only when the firewall
  request opens that host (it names api.ipify.org as optional).
  -TestKeyAsAccount also uses the key as each service account, through a one-off scheduled task
  that runs an encoded PowerShell command as the account and is removed afterwards; tell your
  security team first, since endpoint protection may flag such a task. Without it, the
  read right of the key, read back by SID, is the evidence.
__HANDLING__
#>
[CmdletBinding()]
param(
    [string]$Thumbprint = __THUMBPRINT__,
    [string[]]$ServiceAccount = @(),
    [string]$EgressIp = '',
    [string]$EgressIpUrl = '',
    [string]$OutDir = $PSScriptRoot,
    [switch]$AskAuthorization,
    [string]$AuthorizationFile = '',
    [switch]$TestKeyAsAccount
)
$ErrorActionPreference = 'Stop'
# Constrained Language Mode (AppLocker or WDAC, for a script outside the folders their rules
# allow, or one sent by Invoke-Command -FilePath): it refuses the .NET calls of this script
# half-way, with "Method invocation is supported only on core types in this language mode".
# Said first, in one line, before any work: only a property read, Write-Host and exit here.
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    Write-Host ('Nothing was checked: PowerShell runs this script in {0} on {1} (AppLocker or WDAC), which refuses the .NET calls it makes. Copy it into a folder the AppLocker rules allow and run it there, or have it signed with the code-signing certificate of the organisation once its SHA-256 matches.' -f $ExecutionContext.SessionState.LanguageMode, $env:COMPUTERNAME) -ForegroundColor Red
    exit 1
}
$Environment = __ENVIRONMENT__
$ApiUrl = __API_URL__
$ApiHost = __API_HOST__
$NgdpIps = __NGDP_IPS__
$PushUrl = __PUSH_URL__
$AccountsByServer = __ACCOUNTS_BY_SERVER__
$DefaultAccounts = __DEFAULT_ACCOUNTS__
# The servers of this environment in the settings, as $env:COMPUTERNAME spells them
$ServerNames = __SERVER_KEYS__
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
$checks = New-Object System.Collections.ArrayList
Write-Host ('ngdpkit: server check of environment {0} on {1}' -f $Environment, $env:COMPUTERNAME)
# The test and the production script have one name, and this one changes nothing, so it does
# not refuse: a server the settings do not list is said first and last, since its evidence
# counts for no server of the run (an operations engineer ran the test script on a production
# server, read "All checks passed" and handed back a file the run could not use)
$NotListed = ''
if (($ServerNames.Count -gt 0) -and ($ServerNames -notcontains $env:COMPUTERNAME)) {
    $NotListed = ('This server, {0}, is not one of the servers of environment {1} in the settings ({2}): check that this is the script of the right environment. Its evidence counts for none of them until the server is added to servers in the settings.' -f $env:COMPUTERNAME, $Environment, ($ServerNames -join ', '))
    Write-Warning $NotListed
}

function Add-Check([string]$Kind, [string]$Target, [bool]$Ok, [string]$Detail, $Status) {
    [void]$checks.Add([ordered]@{ kind = $Kind; target = $Target; ok = $Ok; detail = $Detail; status = $Status })
}

function Invoke-NgdpRequest([string]$Uri, [string]$Method, $Certificate, [hashtable]$Headers) {
    # One request that follows no redirect, and only a GET (every call here reads): with AllowAutoRedirect off, HttpWebRequest hands a
    # 3xx answer back like any other (Invoke-WebRequest -MaximumRedirection 0 stops on it with
    # an error of its own instead). An HTTP error or a failed connection is a WebException,
    # which PowerShell may hand over wrapped: it is looked for among the inner exceptions.
    $answer = @{ Status = $null; Location = ''; Failure = $null; Message = '' }
    if ($Method -ne 'Get') { throw ('ngdpkit only reads: {0} {1} was not sent' -f $Method, $Uri) }
    try {
        # inside the try: a header value Windows refuses (a control character in the
        # -AuthorizationFile) is a failed check, not a stop with no evidence written
        $request = [System.Net.WebRequest]::Create($Uri)
        $request.Method = 'GET'
        $request.AllowAutoRedirect = $false
        # Direct, as the TCP and TLS checks and the firewall order are: by default .NET takes the
        # proxy of the Internet settings of whoever runs this (those of an administrator, often
        # set by Group Policy), which the service account of WorkZone does not share; through
        # it, a 403 of the proxy itself read as a push binding that asks for a client certificate
        $request.Proxy = $null
        $request.Timeout = 20000
        $request.ReadWriteTimeout = 20000
        # Invoke-WebRequest sent one; a web firewall may refuse a request without it, which
        # would read as a binding asking for a client certificate
        $request.UserAgent = 'ngdpkit-server-check'
        if ($Certificate -ne $null) { [void]$request.ClientCertificates.Add($Certificate) }
        if ($Headers) { foreach ($name in $Headers.Keys) { $request.Headers[$name] = $Headers[$name] } }
        $response = $request.GetResponse()
        $answer.Status = [int]$response.StatusCode
        $answer.Location = [string]$response.Headers['Location']
        $response.Close()
    } catch {
        $e = $_.Exception
        while (($e -ne $null) -and -not ($e -is [System.Net.WebException])) { $e = $e.InnerException }
        if ($e -eq $null) { $answer.Message = $_.Exception.Message; return $answer }
        $answer.Failure = $e.Status
        $answer.Message = $e.Message
        if ($e.Response -ne $null) { $answer.Status = [int]$e.Response.StatusCode; $e.Response.Close() }
    }
    return $answer
}

function Get-NgdpAnswerText($Answer) {
    # How an answer reads in the evidence: its status, and where a redirect pointed
    $text = 'answered {0}' -f $Answer.Status
    if ($Answer.Location) { $text += (' (a redirect to {0})' -f $Answer.Location) }
    return $text
}

__KEY_FUNCTIONS__
$OutDir = Resolve-NgdpOutDir $OutDir
# Sent by Invoke-Command -FilePath (a remote session, and no file of its own): the evidence
# goes to the folder of that session, and the exit code stays on this server. Said first.
# $PSSenderInfo is not read: under Set-StrictMode an unset variable stops the script.
if ((Test-Path -LiteralPath 'Variable:\PSSenderInfo') -and -not $PSScriptRoot) {
    Write-Warning ('This script came by Invoke-Command -FilePath: its evidence is written to {0} on {1}, and its exit code does not reach the computer that sent it. Read its last lines, fetch the evidence with Copy-Item -FromSession, or copy the script to the server (Copy-Item -ToSession) and run it from there (the README of ngdpkit, On many servers at once, has the loop).' -f $OutDir, $env:COMPUTERNAME)
}

# The authorization header, asked for or read before any check (a missing file or a prompt
# after minutes of checks would lose them): from a hidden prompt or a file, never from a
# typed assignment (the history of PowerShell keeps that line)
$authorization = ''
if ($AuthorizationFile) {
    $raw = Get-Content -LiteralPath $AuthorizationFile -Raw
    if ($raw) { $authorization = $raw.Trim() }
    if (-not $authorization) { throw ('Nothing was checked: -AuthorizationFile {0} is empty.' -f $AuthorizationFile) }
    # said now as well as at the end: a stop on the way (Ctrl+C) would leave it unsaid
    $AuthorizationFile = (Get-Item -LiteralPath $AuthorizationFile).FullName
    Write-Warning ('{0} holds the NgDP authorization header: delete it when the check is done.' -f $AuthorizationFile)
}
elseif ($AskAuthorization) {
    $secure = Read-Host -AsSecureString -Prompt 'NgDP authorization header (from Administrativ Adgang)'
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure)
    try { $authorization = [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr).Trim() }
    finally { [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr) }
}

function Test-NgdpKeyAsAccount([string]$Account, [string]$Thumb) {
    # The key used as the service account itself, not as this administrator: a scheduled task
    # runs once as the account, signs with the key and calls NgDP with the certificate (an
    # answer, even 401 without the header, means TLS and the certificate went through),
    # without the password of the account: built-in
    # service accounts, group managed service accounts (names ending in $) and, by S4U,
    # domain accounts. Virtual accounts (IIS APPPOOL, NT SERVICE) cannot run a task: for them
    # the ACL read back by SID above is the evidence, and the check says so.
    # (also as written without NT AUTHORITY\: they would fall through to an S4U logon)
    $builtIn = @('NT AUTHORITY\SYSTEM', 'NT AUTHORITY\NETWORK SERVICE', 'NT AUTHORITY\LOCAL SERVICE', 'SYSTEM', 'NETWORK SERVICE', 'LOCAL SERVICE')
    if ($Account.ToUpper().StartsWith('IIS APPPOOL\') -or $Account.ToUpper().StartsWith('NT SERVICE\')) {
        Add-Check 'as_account_not_run' $Account $true 'not run as the account (a virtual account cannot run a task): the ACL read back by SID is the evidence' $null
        return
    }
    if (-not $TestKeyAsAccount) {
        # Only when asked: endpoint protection may flag a scheduled task that runs an encoded
        # PowerShell command, and a security team may isolate the server for it
        Add-Check 'as_account_not_run' $Account $true 'not run as the account: the script ran without -TestKeyAsAccount (a one-off scheduled task); the ACL read back by SID is the evidence' $null
        return
    }
    $name = 'ngdpkit-key-check-' + [guid]::NewGuid().ToString('N')
    $out = Join-Path $env:ProgramData ($name + '.txt')
    $part = $out + '.part'  # written first, then renamed: never read half-written
    # The command the task runs, passed encoded (no quoting can go wrong): the thumbprint is
    # hexadecimal (checked when the script was written) and the path is made here
    $inner = @(
        'try {',
        ('  $c = Get-Item -LiteralPath ''Cert:\LocalMachine\My\{0}''' -f $Thumb),
        '  $k = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($c)',
        '  $null = $k.SignData([byte[]](1, 2, 3), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)',
        '  [Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12',
        '  $status = 0',
        ('  $r = [System.Net.WebRequest]::Create(''{0}/receipts/?page=0&size=1'')' -f $ApiUrl),
        '  $r.AllowAutoRedirect = $false; $r.Timeout = 20000; $r.UserAgent = ''ngdpkit-server-check''; [void]$r.ClientCertificates.Add($c)',
        '  $where = ''''',
        '  try { $a = $r.GetResponse(); $status = [int]$a.StatusCode; $where = [string]$a.Headers[''Location'']; $a.Close() }',
        '  catch { $e = $_.Exception; while (($e -ne $null) -and -not ($e -is [System.Net.WebException])) { $e = $e.InnerException }; if (($e -eq $null) -or ($e.Response -eq $null)) { throw }; $status = [int]$e.Response.StatusCode; $where = [string]$e.Response.Headers[''Location'']; $e.Response.Close() }',
        '  $said = ''answered''',
        '  if ((($status -ge 200) -and ($status -lt 300)) -or ($status -eq 401) -or ($status -eq 403)) { $said = ''ok'' }',
        '  elseif (($status -ge 300) -and ($status -lt 400)) { $said = ''redirected to '' + $where }',
        ('  (''{{0}}; answered HTTP {{1}}'' -f $said, $status) | Set-Content -LiteralPath ''{0}''' -f $part),
        ('}} catch {{ $_.Exception.Message | Set-Content -LiteralPath ''{0}'' }}' -f $part),
        ('Move-Item -LiteralPath ''{0}'' -Destination ''{1}'' -Force' -f $part, $out)
    ) -join "`n"
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($inner))
    try {
        $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
        # Built-in service accounts log on as such, a gMSA with its managed password, any
        # other domain account by S4U (no password; it needs "Log on as a batch job")
        $logon = 'S4U'
        if ($builtIn -contains $Account.ToUpper()) { $logon = 'ServiceAccount' }
        elseif ($Account.EndsWith('$')) { $logon = 'Password' }
        $principal = New-ScheduledTaskPrincipal -UserId $Account -LogonType $logon
        Register-ScheduledTask -TaskName $name -Action $action -Principal $principal | Out-Null
        Start-ScheduledTask -TaskName $name
        $waited = 0
        # up to 120 s: a service account logging on for the first time gets a profile made
        while ((-not (Test-Path -LiteralPath $out)) -and ($waited -lt 120)) { Start-Sleep -Seconds 1; $waited++ }
        if (Test-Path -LiteralPath $out) {
            $said = (Get-Content -LiteralPath $out -Raw).Trim()
            Add-Check 'as_account' $Account ($said.StartsWith('ok')) ('signed with the key and called NgDP as the account: ' + $said) $null
        }
        elseif ($logon -eq 'S4U') { Add-Check 'as_account' $Account $false 'the task run as the account wrote nothing within 120 s: a domain account runs it by S4U, which needs the right Log on as a batch job' $null }
        else { Add-Check 'as_account' $Account $false 'the task run as the account wrote nothing within 120 s' $null }
    } catch {
        Add-Check 'as_account' $Account $false $_.Exception.Message $null
    } finally {
        Unregister-ScheduledTask -TaskName $name -Confirm:$false -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $out -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $part -ErrorAction SilentlyContinue
    }
}

function Get-NgdpInnerMessage([System.Exception]$Exception) {
    # The innermost message: .NET hands a refused connection or a failed handshake over
    # wrapped (an AggregateException from a task, an IOException around a SocketException)
    $e = $Exception
    while ($e.InnerException -ne $null) { $e = $e.InnerException }
    return $e.Message
}

function Test-NgdpTcp([string]$Target, [int]$Port) {
    # One TCP connection within 10 s, and no ping: Test-NetConnection has no time limit (a
    # port the firewall drops held it about 21 s per host) and, when the connection failed,
    # it pinged as well, which the firewall of every municipality drops (one more wait, and a
    # warning about ICMP that says nothing of the port). The same in PowerShell 5.1 and 7.
    $seen = @{ Ok = $false; Remote = ''; Message = '' }
    $client = New-Object System.Net.Sockets.TcpClient
    try {
        if ($client.ConnectAsync($Target, $Port).Wait(10000)) {
            $seen.Ok = $true
            $seen.Remote = [string]$client.Client.RemoteEndPoint.Address
        } else { $seen.Message = 'no TCP connection within 10 s (a firewall that drops the packets gives no answer)' }
    } catch {
        $seen.Message = Get-NgdpInnerMessage $_.Exception
    } finally { $client.Close() }
    return $seen
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
    try {
        $tcp = Test-NgdpTcp $d.Host $d.Port
        if ($tcp.Ok) { Add-Check 'tcp' ('{0}:{1}' -f $d.Host, $d.Port) $true ('remote {0}' -f $tcp.Remote) $null }
        else { Add-Check 'tcp' ('{0}:{1}' -f $d.Host, $d.Port) $false $tcp.Message $null }
    } catch {
        Add-Check 'tcp' ('{0}:{1}' -f $d.Host, $d.Port) $false $_.Exception.Message $null
    }
}

# Every published NgDP address on 443, not only the one DNS returns first
foreach ($ip in $NgdpIps) {
    try {
        $tcp = Test-NgdpTcp $ip 443
        if ($tcp.Ok) { Add-Check 'tcp' ('{0}:443 ({1})' -f $ip, $ApiHost) $true 'published NgDP address' $null }
        else { Add-Check 'tcp' ('{0}:443 ({1})' -f $ip, $ApiHost) $false ('published NgDP address: ' + $tcp.Message) $null }
    } catch {
        Add-Check 'tcp' ('{0}:443 ({1})' -f $ip, $ApiHost) $false $_.Exception.Message $null
    }
}

# The certificate, looked up first: the TLS check below presents it, as WorkZone does
$cert = $null
if (-not $Thumbprint) {
    Add-Check 'certificate' '' $false 'the thumbprint is not known yet (no certificate in the settings); certificate checks skipped' $null
} else {
    try {
        $cert = Get-Item -LiteralPath ('Cert:\LocalMachine\My\' + $Thumbprint)
        Add-Check 'certificate' $Thumbprint $true $cert.Subject $null
    } catch {
        Add-Check 'certificate' $Thumbprint $false 'not found in Cert:\LocalMachine\My' $null
    }
}

# TLS to NgDP by host name, with the certificate when it is installed: NgDP authenticates every
# call by mutual TLS, and a front that asks for the certificate in the handshake may refuse
# one without it (every server would then fail here, and the issuer below go unread)
function Test-NgdpTls($Certificate) {
    # One handshake: at most 45 s to connect (Windows gives up on an address after about
    # 21 s, and a host name may have several) and 20 s per wait for a reply. The certificate
    # NgDP shows is read in the validation callback, so that its issuer is known even when
    # this server does not trust it (a TLS-inspecting proxy whose CA is not trusted here)
    $seen = @{ Ok = $false; Stage = 'connect'; Protocol = ''; Issuer = ''; PolicyErrors = ''; Sent = $false; Message = '' }
    $validate = [System.Net.Security.RemoteCertificateValidationCallback]{
        param($source, $remote, $chain, $errors)
        if ($remote -ne $null) { $seen.Issuer = $remote.Issuer }
        $seen.PolicyErrors = [string]$errors
        return ($errors -eq [System.Net.Security.SslPolicyErrors]::None)
    }.GetNewClosure()
    $client = New-Object System.Net.Sockets.TcpClient
    try {
        if (-not $client.ConnectAsync($ApiHost, 443).Wait(45000)) { throw 'no TCP connection within 45 s' }
        $seen.Stage = 'handshake'
        $client.ReceiveTimeout = 20000
        $client.SendTimeout = 20000
        $tls = New-Object System.Net.Security.SslStream($client.GetStream(), $false, $validate)
        # TLS 1.2 named: SslStream ignores ServicePointManager, and the .NET default on a
        # fresh Server 2016 offers TLS 1.0 at most
        if ($Certificate -eq $null) {
            $tls.AuthenticateAsClient($ApiHost, $null, [System.Security.Authentication.SslProtocols]::Tls12, $false)
        } else {
            $presented = New-Object System.Security.Cryptography.X509Certificates.X509CertificateCollection
            [void]$presented.Add($Certificate)
            $tls.AuthenticateAsClient($ApiHost, $presented, [System.Security.Authentication.SslProtocols]::Tls12, $false)
        }
        $seen.Ok = $true
        $seen.Protocol = [string]$tls.SslProtocol
        # sent only when NgDP asked for a certificate from a CA it accepts, and .NET could
        # use its key: handed to .NET is not sent
        $seen.Sent = ($tls.LocalCertificate -ne $null)
    } catch {
        $seen.Message = Get-NgdpInnerMessage $_.Exception
    } finally { $client.Close() }
    return $seen
}

$tlsSeen = Test-NgdpTls $cert
if ($cert -eq $null) {
    if ($tlsSeen.Ok) { Add-Check 'tls' $ApiHost $true ('TLS {0}, without a client certificate (none installed)' -f $tlsSeen.Protocol) $null }
    elseif ($tlsSeen.PolicyErrors -and $tlsSeen.PolicyErrors -ne 'None') { Add-Check 'tls' $ApiHost $false ('{0} (this server does not accept the certificate shown for NgDP: {1}; without a client certificate: none installed)' -f $tlsSeen.Message, $tlsSeen.PolicyErrors) $null }
    else { Add-Check 'tls' $ApiHost $false ('{0} (without a client certificate: none installed)' -f $tlsSeen.Message) $null }
} elseif ($tlsSeen.Ok) {
    $sent = 'the certificate offered and sent'
    if (-not $tlsSeen.Sent) { $sent = 'the certificate offered, not sent: NgDP did not ask for one in the handshake, or not from its CA, or .NET could not use its private key (see the key check)' }
    Add-Check 'tls' $ApiHost $true ('TLS {0}, {1}' -f $tlsSeen.Protocol, $sent) $null
} elseif (($tlsSeen.Stage -eq 'handshake') -and (-not $tlsSeen.PolicyErrors -or $tlsSeen.PolicyErrors -eq 'None')) {
    # Refused in the handshake with the certificate, before the certificate NgDP showed was
    # judged (.NET calls the callback only after a completed handshake): once more without
    # it, to tell the certificate from the rest, and to read that issuer
    $without = Test-NgdpTls $null
    if (-not $tlsSeen.Issuer) { $tlsSeen.Issuer = $without.Issuer }
    if ($without.Ok) { Add-Check 'tls' $ApiHost $false ('{0} (with the certificate; without it the handshake went through: the certificate was refused, or its key could not be used)' -f $tlsSeen.Message) $null }
    elseif ($without.PolicyErrors -and $without.PolicyErrors -ne 'None') { Add-Check 'tls' $ApiHost $false ('{0} (with the certificate; without it, this server does not accept the certificate shown for NgDP: {1})' -f $tlsSeen.Message, $without.PolicyErrors) $null }
    else { Add-Check 'tls' $ApiHost $false ('{0} (with the certificate; without it too: {1})' -f $tlsSeen.Message, $without.Message) $null }
} else {
    $why = $tlsSeen.Message
    if ($tlsSeen.PolicyErrors -and $tlsSeen.PolicyErrors -ne 'None') { $why = '{0} (this server does not accept the certificate shown for NgDP: {1})' -f $tlsSeen.Message, $tlsSeen.PolicyErrors }
    Add-Check 'tls' $ApiHost $false $why $null
}
# Who issued the certificate this server sees for NgDP, read even when the handshake failed:
# a TLS-inspecting proxy shows its own CA here, and mutual TLS through it fails
if ($tlsSeen.Issuer) { Add-Check 'tls_issuer' $ApiHost $true $tlsSeen.Issuer $null }

# REST_PUSH: NgDP calls the Push Service with its own certificate, and the binding should ask
# for one. Called from here without a client certificate, it should refuse.
if ($PushUrl) {
    $a = Invoke-NgdpRequest -Uri $PushUrl -Method Get
    # TrustFailure is this server not trusting the certificate of the Push Service: no sign
    # that the binding asks for a client certificate, and NgDP must trust that certificate
    if ($a.Failure -eq [System.Net.WebExceptionStatus]::TrustFailure) { Add-Check 'push_cert_untrusted' $PushUrl $false $a.Message $null }
    elseif ($a.Status -eq 403) { Add-Check 'push_client_cert' $PushUrl $true ('refused without a client certificate: ' + $a.Message) $a.Status }
    # SecureChannelFailure: the handshake ended. A binding that requires a client certificate
    # may end it so, but so does a TLS failure of another kind (protocol, cipher suites, the
    # binding's own certificate): not a pass, and not a fail (a Windows administrator's read)
    elseif ($a.Failure -eq [System.Net.WebExceptionStatus]::SecureChannelFailure) { Add-Check 'push_handshake_refused' $PushUrl $true ('the TLS handshake ended without a client certificate: ' + $a.Message) $null }
    # Any other answer, a redirect too, came through the TLS handshake without a certificate
    elseif ($a.Status -ne $null) { Add-Check 'push_client_cert' $PushUrl $false ('{0} without a client certificate (the TLS handshake went through)' -f (Get-NgdpAnswerText $a)) $a.Status }
    else { Add-Check 'push_not_judged' $PushUrl $true ('not reached from this server: ' + $a.Message) $null }
}

# The WinHTTP proxy (what services use), reported as it is set: netsh's lines joined by " | ",
# so that the run reads their shape whatever the server's display language (a heading and one
# line for direct access; a heading and two "label : value" lines for a proxy)
try {
    $winhttp = @(& netsh.exe winhttp show proxy | ForEach-Object { ($_ -replace '\s+', ' ').Trim() } | Where-Object { $_ }) -join ' | '
    Add-Check 'proxy' 'WinHTTP' $true $winhttp $null
} catch {
    Add-Check 'proxy' 'WinHTTP' $true ('not read: ' + $_.Exception.Message) $null
}

# The proxy .NET gives this session for the address of NgDP: the one of machine.config, else
# the Internet settings (WinINET) of whoever runs this, maybe from Group Policy, a PAC file or
# WPAD. The checks above went direct; the service account of WorkZone does not share the
# Internet settings of an administrator, so this says only that the network may expect a
# proxy, which WorkZone would have to be given and which must not inspect TLS
try {
    $apiUri = New-Object System.Uri($ApiUrl)
    $sessionProxy = [System.Net.WebRequest]::DefaultWebProxy
    if (($sessionProxy -eq $null) -or $sessionProxy.IsBypassed($apiUri)) { $via = 'direct' }
    else { $via = [string]$sessionProxy.GetProxy($apiUri) }
    Add-Check 'session_proxy' 'Internet settings of this session' $true $via $null
} catch {
    Add-Check 'session_proxy' 'Internet settings of this session' $true ('not read: ' + $_.Exception.Message) $null
}

# The chain and the private key (CNG or CSP), for each service account of this server
if ($cert -ne $null) {
    $chain = New-Object System.Security.Cryptography.X509Certificates.X509Chain
    $chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    $built = $chain.Build($cert)
    Add-Check 'chain' $Thumbprint $built (($chain.ChainStatus | ForEach-Object { $_.StatusInformation.Trim() }) -join '; ') $null
    Add-Check 'key' $Thumbprint ([bool]$cert.HasPrivateKey) ('HasPrivateKey=' + $cert.HasPrivateKey) $null
    # @(): a function hands back one account as a string, and .Count on a string stops the
    # script under Set-StrictMode in Windows PowerShell 5.1 (a profile may set it)
    $accounts = @(Get-NgdpAccounts $ServiceAccount $AccountsByServer $DefaultAccounts)
    if ($accounts.Count -eq 0) { Add-Check 'key_access' '' $false 'no service account configured for this server' $null }
    try {
        $keyFile = Get-NgdpKeyFile $cert
        foreach ($account in $accounts) {
            try {
                $right = Get-NgdpReadRight $keyFile $account
                Add-Check 'key_access' $account ([bool]$right) ('{0} on {1}' -f $right, $keyFile) $null
            } catch {
                Add-Check 'key_access' $account $false $_.Exception.Message $null
            }
        }
    } catch {
        Add-Check 'key_access' ($accounts -join ', ') $false $_.Exception.Message $null
    }
    foreach ($account in $accounts) { Test-NgdpKeyAsAccount $account $cert.Thumbprint }
}

# The NgDP API with the certificate and (when given) the authorization header, read at the
# top of the script: a read-only call.
$withHeader = [bool]$authorization
if ($cert -ne $null) {
    $headers = @{}
    if ($withHeader) { $headers['Authorization'] = $authorization }
    $a = Invoke-NgdpRequest -Uri ($ApiUrl + '/receipts/?page=0&size=1') -Method Get -Certificate $cert -Headers $headers
    $isTls = ($a.Failure -eq [System.Net.WebExceptionStatus]::TrustFailure) -or ($a.Failure -eq [System.Net.WebExceptionStatus]::SecureChannelFailure)
    if ($isTls) { Add-Check 'tls' $ApiUrl $false $a.Message $null }
    elseif (($a.Status -ge 200) -and ($a.Status -lt 300)) { Add-Check 'https' $ApiUrl $true 'answered' $a.Status }
    elseif (-not $withHeader -and $a.Status -eq 401) { Add-Check 'auth_not_tested' $ApiUrl $false 'run without the authorization header (-AskAuthorization): TLS and the certificate were accepted, the header was not tested' $a.Status }
    # NgDP does not redirect its API: a 3xx is something between this server and NgDP
    elseif (($a.Status -ge 300) -and ($a.Status -lt 400)) { Add-Check 'https' $ApiUrl $false ('{0}: NgDP does not redirect its API, so something between this server and NgDP answered' -f (Get-NgdpAnswerText $a)) $a.Status }
    elseif ($a.Failure -ne $null) { Add-Check 'https' $ApiUrl $false $a.Message $a.Status }
    else { Add-Check 'https' $ApiUrl $false ('not reached: ' + $a.Message) $a.Status }
}

# The egress address NgDP sees: typed by operations, or looked up only when asked, directly
# (Invoke-RestMethod took the proxy of this session, and named the address of the proxy,
# which NgDP never sees from this server) and following no redirect
$egress = $null
if ($EgressIp) { $egress = $EgressIp.Trim() }
elseif ($EgressIpUrl) {
    $lookupFailed = ''
    try {
        $request = [System.Net.WebRequest]::Create($EgressIpUrl)
        $request.Method = 'GET'
        $request.AllowAutoRedirect = $false
        $request.Proxy = $null
        $request.Timeout = 10000
        $request.ReadWriteTimeout = 10000
        $request.UserAgent = 'ngdpkit-server-check'
        $response = $request.GetResponse()
        # a redirect (http to https, say) is handed back, not followed: its page is no address
        try { if ([int]$response.StatusCode -eq 200) { $egress = (New-Object System.IO.StreamReader($response.GetResponseStream())).ReadToEnd().Trim() } else { $lookupFailed = ('it answered {0}' -f [int]$response.StatusCode) } }
        finally { $response.Close() }
    } catch { $egress = $null; $lookupFailed = $_.Exception.Message }
    if (-not $egress) {
        # Said, not a bare empty egress_ip: where only a proxy reaches the Internet, the direct
        # lookup cannot work, and through the proxy it would name the proxy (a Windows
        # administrator found the address missing from the evidence, with no word why)
        if (-not $lookupFailed) { $lookupFailed = 'an empty answer' }
        Add-Check 'egress_lookup' $EgressIpUrl $false $lookupFailed $null
        Write-Warning ('The egress address was not looked up at {0} ({1}). The lookup goes direct, as the calls of WorkZone to NgDP do: where this server reaches the Internet only through a proxy it cannot, and looked up through the proxy it would name the proxy, which NgDP never sees. Nothing else in this check depends on it. Ask the network team for the public (NAT) address by which this server reaches NgDP and run the script again with -EgressIp <that address>, or have the firewall open the host of -EgressIpUrl on port 443 to this server (the firewall order names one, as optional).' -f $EgressIpUrl, $lookupFailed)
    }
}

$result = [ordered]@{
    schema = 'ngdpkit/server-check/1'
    environment = $Environment
    server = $env:COMPUTERNAME
    taken_at = (Get-Date).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
    egress_ip = $egress
    header_given = $withHeader
    checks = $checks
}
$file = Join-Path $OutDir ('ngdpkit-server-check-{0}-{1}.json' -f $env:COMPUTERNAME, $Environment)
$json = $result | ConvertTo-Json -Depth 5
# UTF-8 with its BOM: Windows PowerShell 5.1 reads a file without one as Windows-1252, so a
# file saved again through Get-Content and Out-File had "Ã¦" where the account said "æ"
[System.IO.File]::WriteAllText($file, $json, (New-Object System.Text.UTF8Encoding($true)))

# What was found, on screen, and as the exit code (2 when a check failed) for a person or a job
# that runs the script: the file holds the same, for the run
# Notes are what the run judges (the proxy, a push endpoint not reached, the key not used
# as an account); the TLS issuer fails here too when it is not the public CA behind NgDP
$judgedByRun = @('auth_not_tested', 'as_account_not_run', 'proxy', 'session_proxy', 'push_not_judged', 'egress_lookup')
$failed = @($checks | Where-Object { ((-not $_.ok) -and ($judgedByRun -notcontains $_.kind)) -or (($_.kind -eq 'tls_issuer') -and ($_.detail -notmatch 'Sectigo|USERTrust')) })
foreach ($c in $checks) {
    $mark = 'ok  '
    if ($failed -contains $c) { $mark = 'FAIL' }
    elseif ($judgedByRun -contains $c.kind) { $mark = 'note' }
    Write-Host ('{0} {1} {2} {3}' -f $mark, ([string]$c.kind).PadRight(18), $c.target, $c.detail)
}
Write-Host ('Written: ' + $file)
if ($AuthorizationFile) {
    # an operations engineer saw the header stay on the server in its file, unsaid
    Write-Warning ('{0} still holds the NgDP authorization header: delete it now that the check is done (Remove-Item -LiteralPath <that file>).' -f $AuthorizationFile)
}
# said again last: the lines above scroll it away
if ($NotListed) { Write-Warning $NotListed }
# The summary, last, one block to copy into the ticket: what passed, what failed, what the
# run judges, the egress address and what to do. What a Windows administrator found: the warning
# of a failed egress lookup scrolled away among the lines above, and the script ended on
# "All 29 checks passed", which read as nothing left to do.
$notes = @($checks | Where-Object { ($failed -notcontains $_) -and ($judgedByRun -contains $_.kind) })
$passed = $checks.Count - $failed.Count - $notes.Count
$todo = New-Object System.Collections.ArrayList
if ($NotListed) { [void]$todo.Add(('Check that this is the script of environment {0}: this server is not one of its servers in the settings.' -f $Environment)) }
if ($failed.Count -gt 0) { [void]$todo.Add('Fix what each FAIL line names, run the script again, and hand back the new file.') }
if ($egress) { $egressSaid = $egress }
elseif ($EgressIpUrl) {
    $egressSaid = ('not looked up at {0}' -f $EgressIpUrl)
    [void]$todo.Add('Ask the network team for the public (NAT) address by which this server reaches NgDP and run the script again with -EgressIp <that address>.')
}
else { $egressSaid = 'not given (with -EgressIp <public address> the run holds it against the addresses registered for the system)' }
if ($AuthorizationFile) { [void]$todo.Add('Delete the file given as -AuthorizationFile: it still holds the NgDP authorization header.') }
[void]$todo.Add(('Hand {0} back to the consultant (it holds no secret).' -f (Split-Path -Leaf $file)))
Write-Host ''
Write-Host '==== ngdpkit server check: summary (copy it into the ticket) ===='
Write-Host ('Server {0}, environment {1}, taken {2} (UTC)' -f $env:COMPUTERNAME, $Environment, $result.taken_at)
Write-Host ('Passed: {0} of {1} checks' -f $passed, $checks.Count)
Write-Host ('Failed: {0}' -f $failed.Count)
foreach ($c in $failed) { Write-Host ('  FAIL {0} {1}: {2}' -f $c.kind, $c.target, $c.detail) }
Write-Host ('Notes for the run to judge: {0}' -f $notes.Count)
foreach ($c in $notes) { Write-Host ('  note {0} {1}: {2}' -f $c.kind, $c.target, $c.detail) }
Write-Host ('Egress IP: {0}' -f $egressSaid)
Write-Host ('Evidence: {0}' -f $file)
Write-Host 'To do:'
foreach ($line in $todo) { Write-Host ('  - ' + $line) }
Write-Host '==== end of summary ===='
if ($failed.Count -gt 0) {
    # 2, not 1: a script that stops on an error exits 1 with no evidence written
    Write-Warning ('{0} of {1} checks failed (FAIL above). Hand the file back all the same: the next run names each.' -f $failed.Count, $checks.Count)
    exit 2
}
if ($notes.Count -gt 0) { Write-Host ('No check failed: {0} passed, {1} notes for the run to judge (in the summary above). Hand the file back to the consultant.' -f $passed, $notes.Count) }
else { Write-Host ('All {0} checks passed. Hand the file back to the consultant.' -f $checks.Count) }
