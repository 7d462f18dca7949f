/*
  ScanGate rule pack: web shells. Each rule's meta: severity (critical, high, medium, low, info), category
  (malware), description, and version (raised when the rule's conditions change, so findings can be traced to it).
*/

rule scangate_php_webshell_request_exec
{
    meta:
        description = "PHP web shell: runs a command or code taken from the HTTP request"
        severity = "critical"
        category = "malware"
        version = "1"
    strings:
        $php = "<?php" nocase
        $exec1 = /\b(eval|assert|system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*(\$_(GET|POST|REQUEST|COOKIE|SERVER)|stripslashes\s*\(\s*\$_(GET|POST|REQUEST|COOKIE))/ nocase
        $exec2 = /\b(eval|assert)\s*\(\s*base64_decode\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
        $backtick = /`\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[/
    condition:
        $php and any of ($exec*, $backtick)
}

rule scangate_php_webshell_variable_function
{
    meta:
        description = "PHP web shell: calls a function whose name comes from the HTTP request"
        severity = "critical"
        category = "malware"
        version = "1"
    strings:
        $php = "<?php" nocase
        $call = /\$_(GET|POST|REQUEST|COOKIE)\s*\[\s*['"][^'"]{1,32}['"]\s*\]\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
    condition:
        $php and $call
}

rule scangate_known_webshell_marker
{
    meta:
        description = "A known web shell kit (c99, r57, WSO, b374k, FilesMan)"
        severity = "critical"
        category = "malware"
        version = "1"
    strings:
        $c99 = "c99shell" nocase
        $r57 = "r57shell" nocase
        $wso = /WSO\s+[0-9.]+\s*<\/title>/ nocase
        $b374k = "b374k" nocase
        $filesman = "FilesMan" fullword
    condition:
        any of them
}

rule scangate_jsp_aspx_webshell
{
    meta:
        description = "JSP or ASP.NET web shell: runs a command taken from the request"
        severity = "critical"
        category = "malware"
        version = "1"
    strings:
        $jsp = /Runtime\.getRuntime\(\)\.exec\s*\(\s*request\.getParameter/
        $aspx = /Process\.Start\s*\([^)]{0,80}Request(\.Form|\.QueryString|\[)/
    condition:
        any of them
}
