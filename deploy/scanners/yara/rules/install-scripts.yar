/* ScanGate rule pack: npm packages whose install scripts do what known-malicious packages did. */

rule scangate_npm_install_script_download_exec
{
    meta:
        description = "package.json: an install script downloads code and runs it"
        severity = "critical"
        category = "malware"
        version = "1"
    strings:
        $name = /"name"\s*:\s*"/
        $hook = /"(preinstall|install|postinstall|prepare)"\s*:\s*"[^"]{0,400}(curl|wget|Invoke-WebRequest|iwr)\s[^"]{0,300}(\|\s*(ba|z)?sh|&&\s*(ba|z)?sh\s|;\s*(ba|z)?sh\s|\|\s*node|chmod\s+\+x)/
    condition:
        $name and $hook
}

rule scangate_npm_install_script_inline_code
{
    meta:
        description = "package.json: an install script runs decoded or network-fetching inline code (node -e, python -c)"
        severity = "high"
        category = "malware"
        version = "1"
    strings:
        $name = /"name"\s*:\s*"/
        $node = /"(preinstall|install|postinstall)"\s*:\s*"[^"]{0,200}node\s+-e\s[^"]{0,2000}(https?\.get|child_process|Buffer\.from|atob|eval)/
        $py = /"(preinstall|install|postinstall)"\s*:\s*"[^"]{0,200}python3?\s+-c\s[^"]{0,2000}(urllib|socket|base64|exec)/
        $b64 = /"(preinstall|install|postinstall)"\s*:\s*"[^"]{0,200}base64\s+(-d|--decode)[^"]{0,200}\|\s*(ba)?sh/
    condition:
        $name and any of ($node, $py, $b64)
}

rule scangate_npm_install_script_exfiltration
{
    meta:
        description = "package.json: an install script sends the environment, credentials or host details away"
        severity = "critical"
        category = "malware"
        version = "1"
    strings:
        $name = /"name"\s*:\s*"/
        $env = /"(preinstall|install|postinstall)"\s*:\s*"[^"]{0,400}(curl|wget)\s[^"]{0,200}(\$\(env\)|`env`|\$\(whoami\)|\$\(hostname\)|\.npmrc|\.ssh\/id_|\/etc\/passwd|\$HOME\/\.aws)/
    condition:
        $name and $env
}
