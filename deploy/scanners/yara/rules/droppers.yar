/* ScanGate rule pack: obfuscated droppers and reverse shells. */

rule scangate_php_obfuscated_eval
{
    meta:
        description = "Obfuscated PHP: evaluates code it first decodes or decompresses"
        severity = "high"
        category = "malware"
        version = "1"
    strings:
        $eval = /\b(eval|assert)\s*\(\s*(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin)\s*\(/ nocase
        $create = /create_function\s*\(\s*['"]['"]\s*,\s*(base64_decode|gzinflate|str_rot13)\s*\(/ nocase
        $preg = /preg_replace\s*\(\s*['"]([\/#~|@!]).{0,40}[\/#~|@!][a-df-z]*e[a-z]*['"]\s*,/
    condition:
        any of them
}

rule scangate_js_obfuscated_eval
{
    meta:
        description = "Obfuscated JavaScript: evaluates code decoded from base64 or built from character codes"
        severity = "high"
        category = "malware"
        version = "1"
    strings:
        $atob = /\beval\s*\(\s*(atob|unescape|decodeURIComponent)\s*\(/
        $buffer = /\b(eval|new\s+Function)\s*\(\s*Buffer\.from\s*\([^)]{0,2000},\s*['"](base64|hex)['"]\s*\)/
        $charcodes = /\beval\s*\(\s*String\.fromCharCode\s*\(\s*[0-9]{2,3}(\s*,\s*[0-9]{2,3}){20,}/
    condition:
        any of them
}

rule scangate_download_and_execute
{
    meta:
        description = "Downloads a script or binary and runs it straight away"
        severity = "high"
        category = "malware"
        version = "1"
    strings:
        $sh = /(curl|wget)\s[^\n|;]{0,200}\|\s*(sudo\s+)?(ba|z|da)?sh\b/
        $ps1 = /(IEX|Invoke-Expression)\s*\(?\s*\(?\s*New-Object\s+(System\.)?Net\.WebClient\)?\.DownloadString/ nocase
        $ps2 = /powershell(\.exe)?\s[^\n]{0,80}-(e|enc|EncodedCommand)\s+[A-Za-z0-9+\/=]{40,}/ nocase
        $certutil = /certutil(\.exe)?\s+-urlcache\s+-split\s+-f\s+http/ nocase
    condition:
        any of them
}

rule scangate_reverse_shell
{
    meta:
        description = "A reverse shell: hands a shell to a remote host"
        severity = "critical"
        category = "malware"
        version = "1"
    strings:
        $bash = /(ba)?sh\s+-i\s+>&\s*\/dev\/tcp\/[0-9A-Za-z.\-]+\/[0-9]+/
        $nc = /\b(nc|ncat|netcat)\s+(-[a-z]*\s+)*-e\s+\/bin\/(ba)?sh/
        $py = /socket\.socket\([^)]*\)[^\n]{0,300}(os\.dup2|pty\.spawn)\s*\(/
        $mkfifo = /mkfifo\s+\/tmp\/[A-Za-z0-9_.]+\s*;[^\n]{0,80}\|\s*(nc|ncat)\s/
    condition:
        any of them
}
