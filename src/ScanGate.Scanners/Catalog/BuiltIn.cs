using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;

namespace ScanGate.Scanners.Catalog;

/// <summary>The catalogue. Adding a scanner: its adapter file, its Dockerfile, and one line in <see cref="Scanners"/>.</summary>
public static class BuiltIn
{
    public static readonly IReadOnlyList<IScannerAdapter> Scanners =
    [
        new NmapAdapter(),
        new TestsslAdapter(),
        new SslscanAdapter(),
        new GitleaksAdapter(),
        new SecretlintAdapter(),
        new BanditAdapter(),
        new EslintAdapter(),
        new SemgrepAdapter(),
        new CheckovAdapter(),
        new SecurityHeadersScanner(),
    ];

    public static readonly IReadOnlyList<ScanTypeDefinition> ScanTypes =
    [
        new("network_discovery", "Hosts, open ports and the services behind them (nmap).", TargetKind.Host,
            [
                new("ping_sweep", "Which hosts answer; no port scan."),
                new("port_scan", "Open TCP ports (the target's port list, or the 1000 most common)."),
                new("service_detection", "Open TCP ports and the service and version behind each."),
            ], "port_scan"),
        new("ssl_security", "TLS protocols, ciphers, certificate and known TLS weaknesses (testssl.sh; sslscan on request).", TargetKind.TlsEndpoint,
            [
                new("quick", "Protocols and server defaults (certificate)."),
                new("standard", "Every default testssl.sh check."),
            ], "quick"),
        new("secret_scan", "Secrets committed anywhere in a Git repository's history (gitleaks; secretlint on request, for the current files).", TargetKind.GitRepository,
            [new("standard", "Every commit of the cloned repository, with gitleaks' default rules (secretlint: its recommended rules).")], "standard"),
        new("sast", "Security problems in a Git repository's source code (bandit for Python, ESLint with eslint-plugin-security for JavaScript; Semgrep on request).", TargetKind.GitRepository,
            [new("standard", "The checked-out files of the default branch (or the branch given), with each tool's recommended security rules.")], "standard"),
        new("iac_scan", "Misconfigured infrastructure as code in a Git repository: Terraform, CloudFormation, Kubernetes, Dockerfiles, … (Checkov).", TargetKind.GitRepository,
            [new("standard", "Every framework Checkov recognises in the checked-out files, with its built-in checks.")], "standard"),
        new("code_security", "SAST, secrets and infrastructure as code of a Git repository in one scan: the default scanners of sast, secret_scan and iac_scan (bandit, ESLint, gitleaks, Checkov); Semgrep and secretlint on request.", TargetKind.GitRepository,
            [new("standard", "Each scanner as in its own scan type.")], "standard"),
        new("security_headers", "Missing or weak HTTP security headers of a URL (in process, no container).", TargetKind.Url,
            [new("standard", "One GET of the URL, following up to five redirects.")], "standard"),
    ];
}
