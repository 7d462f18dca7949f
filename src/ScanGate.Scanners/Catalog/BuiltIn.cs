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
        new TrivyAdapter(),
        new GrypeAdapter(),
        new SyftAdapter(),
        new DockleAdapter(),
        new OsvScannerAdapter(),
        new DiveAdapter(),
        new CdxgenAdapter(),
        new OsvSourceAdapter(),
        new NucleiAdapter(),
        new ZapAdapter(),
        new KubeLinterAdapter(),
        new SqlmapAdapter(),
        new FfufAdapter(),
        new WhatwebAdapter(),
        new FlawfinderAdapter(),
        new YaraAdapter(),
    ];

    public static readonly IReadOnlyList<ScanTypeDefinition> ScanTypes =
    [
        new("network_discovery", "Hosts, open ports and the services behind them (nmap).", TargetKind.Host,
            [
                new("ping_sweep", "Which hosts answer; no port scan."),
                new("port_scan", "Open TCP ports (the target's port list, or the 1000 most common)."),
                new("service_detection", "Open TCP ports and the service and version behind each."),
                new("comprehensive", "The 10,000 most common TCP ports (or the target's list), service versions, and nmap's default and vulnerability scripts that are safe and stay offline."),
                new("vulnerability_scan", "Service versions and nmap's safe, offline vulnerability scripts (vuln and safe, nothing external) on the 1000 most common ports or the target's list."),
            ], "port_scan"),
        new("ssl_security", "TLS protocols, ciphers, certificate and known TLS weaknesses (testssl.sh; sslscan on request).", TargetKind.TlsEndpoint,
            [
                new("quick", "Protocols and server defaults (certificate)."),
                new("standard", "Every default testssl.sh check."),
                new("comprehensive", "Every default check, the ciphers of each protocol and server implementation bugs (testssl.sh --full)."),
                new("vulnerability", "Only the known TLS vulnerabilities: Heartbleed, ROBOT, POODLE, SWEET32, LUCKY13 and the rest (testssl.sh --vulnerable)."),
            ], "quick"),
        new("secret_scan", "Secrets committed anywhere in a Git repository's history (gitleaks; secretlint on request, for the current files).", TargetKind.GitRepository,
            [new("standard", "Every commit of the cloned repository, with gitleaks' default rules (secretlint: its recommended rules).")], "standard"),
        new("sast", "Security problems in a Git repository's source code (bandit for Python, ESLint with eslint-plugin-security for JavaScript, flawfinder for C and C++; Semgrep on request).", TargetKind.GitRepository,
            [new("standard", "The checked-out files of the default branch (or the branch given), with each tool's recommended security rules.")], "standard"),
        new("iac_scan", "Misconfigured infrastructure as code in a Git repository: Terraform, CloudFormation, Kubernetes, Dockerfiles, … (Checkov).", TargetKind.GitRepository,
            [new("standard", "Every framework Checkov recognises in the checked-out files, with its built-in checks.")], "standard"),
        new("dependency_scan", "Known vulnerabilities of a Git repository's dependencies, from its lock files and manifests (osv-scanner).", TargetKind.GitRepository,
            [new("standard", "Every lock file and manifest of the checked-out tree, each package looked up in the OSV database.")], "standard"),
        new("code_security", "SAST, dependencies, secrets, infrastructure as code and the SBOM of a Git repository in one scan: the default scanners of sast, dependency_scan, secret_scan, iac_scan and sbom (bandit, ESLint, flawfinder, osv-scanner, gitleaks, Checkov, cdxgen); Semgrep, secretlint and YARA's malware rules on request.", TargetKind.GitRepository,
            [new("standard", "Each scanner as in its own scan type.")], "standard"),
        new("security_headers", "Missing or weak HTTP security headers of a URL (in process, no container).", TargetKind.Url,
            [new("standard", "One GET of the URL, following up to five redirects.")], "standard"),
        // Default scanners: trivy and grype (two vulnerability databases and matchers, each catching some of what the
        // other misses), syft (the SBOM) and dockle (how the image is built). osv-scanner repeats their work from a
        // third database and fetches the image once more; dive measures wasted space, a cost rather than a risk: both
        // run when asked for by name. Profiles shape what each tool looks at; scanners are chosen by name.
        new("container_image", "Known vulnerabilities, the software bill of materials and image-policy (CIS) checks of a container image read from its registry (trivy, grype, syft, dockle; osv and dive on request).", TargetKind.ContainerImage,
            [
                new("standard", "Every package of the image as it runs, vulnerabilities with or without a fix, every image-policy check."),
                new("fixable", "As standard, but trivy and grype report only vulnerabilities that have a fixed version (osv-scanner has no such switch)."),
                new("all_layers", "As standard, but grype and syft also look at packages that a later layer deleted or replaced."),
            ], "standard"),
        new("sbom", "The software bill of materials of a Git repository's source tree, from its manifests and lock files (cdxgen).", TargetKind.GitRepository,
            [new("standard", "Every manifest and lock file of the cloned tree, read without installing dependencies or fetching licences.")], "standard"),
        new("lightweight_comprehensive", "Several light checks of a web site with one verdict: its security headers, the technologies it announces, exposed files and paths, a port scan of its host and, for https, a quick TLS check.", TargetKind.Url,
            [new("standard", "security_headers on the URL, WhatWeb's passive fingerprint, ffuf quick (dirb's common words) under the URL, nmap port_scan on the URL's host (the 1000 most common ports), testssl quick on its TLS endpoint when the URL is https.")], "standard"),
        new("nuclei", "Known CVEs, exposures and misconfigurations of a web target, from nuclei's community templates.", TargetKind.Url,
            [
                new("quick", "High and critical templates, nothing intrusive."),
                new("standard", "Low to critical templates, nothing intrusive."),
                new("comprehensive", "Every template but denial of service, informational ones included."),
                new("cve", "Templates tagged cve, nothing intrusive."),
                new("misconfig", "Templates tagged misconfig, exposure, config or default-login, nothing intrusive."),
            ], "standard"),
        new("web_vulnerability", "A web application's vulnerabilities: SQL injection (sqlmap), exposed files and paths (ffuf with dirb's word lists) and OWASP ZAP where its image is built.", TargetKind.Url,
            [
                new("quick", "sqlmap level 1 on what a two-level crawl finds, within 3 minutes; ffuf with dirb's common words within 2 minutes; ZAP baseline with a one-minute spider and passive rules."),
                new("standard", "sqlmap level 2 within 10 minutes; ffuf with dirb's common words and backup extensions within 5 minutes; ZAP baseline with a five-minute spider."),
                new("comprehensive", "sqlmap level 3 within 25 minutes; ffuf with dirb's big list within 15 minutes; ZAP full scan with an active scan that sends attacks."),
            ], "quick"),
        new("api_security", "An API described by OpenAPI (the target is the document's URL): sqlmap tests every operation's parameters for SQL injection, and ZAP, where its image is built, scans every operation.", TargetKind.Url,
            [
                new("quick", "sqlmap level 1 on each operation within 5 minutes; ZAP's passive rules only (API scan in safe mode)."),
                new("standard", "sqlmap level 2 within 15 minutes; ZAP's passive rules and an active scan that sends attacks."),
            ], "quick"),
        new("malware_scan", "Malicious code in a Git repository or an uploaded source: web shells, obfuscated droppers and reverse shells, crypto-miners and malicious npm install scripts (YARA with ScanGate's rule pack).", TargetKind.GitRepository,
            [new("standard", "Every file of the checked-out tree against the rule pack in deploy/scanners/yara/rules.")], "standard"),
        new("kubernetes_manifest", "Security and reliability misconfigurations in the Kubernetes manifests, Helm charts and Kustomize directories of a Git repository (kube-linter).", TargetKind.GitRepository,
            [
                new("standard", "kube-linter's default checks."),
                new("comprehensive", "Every built-in kube-linter check."),
            ], "standard"),
    ];
}
