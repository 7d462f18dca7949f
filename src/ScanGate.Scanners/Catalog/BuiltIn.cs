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
        new("secret_scan", "Secrets committed anywhere in a Git repository's history (gitleaks).", TargetKind.GitRepository,
            [new("standard", "Every commit of the cloned repository, with gitleaks' default rules.")], "standard"),
        new("security_headers", "Missing or weak HTTP security headers of a URL (in process, no container).", TargetKind.Url,
            [new("standard", "One GET of the URL, following up to five redirects.")], "standard"),
    ];
}
