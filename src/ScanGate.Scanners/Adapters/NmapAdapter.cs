using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>nmap 7.95 (Debian trixie): unprivileged connect scans, XML report.</summary>
public sealed partial class NmapAdapter : IContainerScanner
{
    public string Name => "nmap";
    public string Description => "Network mapper: live hosts, open TCP ports and service versions.";
    public TargetKind TargetKind => TargetKind.Host;
    public IReadOnlyList<ScannerUse> Uses { get; } =
    [
        new("network_discovery"),
        new("lightweight_comprehensive", Target: TargetDerivation.UrlHost, Profiles: new Dictionary<string, string> { ["standard"] = "port_scan" }),
    ];
    public string DefaultImage => "scangate/nmap:latest";

    private const string ReportPath = "/out/report.xml";

    /// <summary>Services that should not face a network unprotected, and how bad it is when they do.</summary>
    private static readonly Dictionary<string, (Severity Severity, string Why)> RiskyServices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["telnet"] = (Severity.High, "Telnet sends credentials and sessions in clear text."),
        ["login"] = (Severity.High, "rlogin trusts host names and sends data in clear text."),
        ["shell"] = (Severity.High, "rsh trusts host names and sends data in clear text."),
        ["exec"] = (Severity.High, "rexec sends credentials in clear text."),
        ["ftp"] = (Severity.Medium, "FTP sends credentials in clear text."),
        ["vnc"] = (Severity.Medium, "Remote desktop exposed to the network."),
        ["ms-wbt-server"] = (Severity.Medium, "Remote desktop exposed to the network."),
        ["microsoft-ds"] = (Severity.Medium, "SMB file sharing exposed to the network."),
        ["netbios-ssn"] = (Severity.Medium, "NetBIOS session service exposed to the network."),
        ["snmp"] = (Severity.Medium, "SNMP often answers to default communities."),
        ["mysql"] = (Severity.Medium, "A database listens on the network."),
        ["postgresql"] = (Severity.Medium, "A database listens on the network."),
        ["ms-sql-s"] = (Severity.Medium, "A database listens on the network."),
        ["mongodb"] = (Severity.Medium, "A database listens on the network."),
        ["redis"] = (Severity.Medium, "Redis listens on the network; it has no authentication by default."),
        ["memcache"] = (Severity.Medium, "memcached listens on the network; it has no authentication."),
        ["elasticsearch"] = (Severity.Medium, "A search index listens on the network."),
        ["docker"] = (Severity.High, "A Docker engine API exposed to the network gives root on the host."),
    };

    /// <summary>NSE scripts per profile, chosen here and never by a request: only scripts nmap files as "safe", none
    /// that reaches a third-party service ("external": vulners asks vulners.com), and not slowloris-check, which holds
    /// connections open for minutes.</summary>
    public const string VulnerabilityScripts = "(vuln and safe) and not (external or http-slowloris-check)";
    public const string ComprehensiveScripts = "(default or vuln) and safe and not (external or http-slowloris-check)";

    public ContainerPlan Plan(RunSpec spec)
    {
        var target = HostTarget.Parse(spec.Target);
        var args = new List<string> { "-v", "--stats-every", "2s", "-oX", ReportPath };
        IEnumerable<string> Ports(int top) => target.Ports is null ? ["--top-ports", top.ToString(CultureInfo.InvariantCulture)] : ["-p", target.Ports];
        switch (spec.Profile)
        {
            case "ping_sweep":
                args.Add("-sn");
                break;
            case "service_detection":
                args.AddRange(["-sT", "-sV", "-Pn", .. Ports(1000)]);
                break;
            case "vulnerability_scan":
                args.AddRange(["-sT", "-sV", "-Pn", "--script", VulnerabilityScripts, "--script-timeout", "2m", .. Ports(1000)]);
                break;
            case "comprehensive":
                args.AddRange(["-sT", "-sV", "-Pn", "--script", ComprehensiveScripts, "--script-timeout", "2m", .. Ports(10000)]);
                break;
            default: // port_scan
                args.AddRange(["-sT", "-Pn", .. Ports(1000)]);
                break;
        }
        if (target.Host.Contains(':')) args.Add("-6");
        args.Add("--");
        args.Add(target.Host);
        return new ContainerPlan { Arguments = args, ReportPath = ReportPath, Cpus = 1.0 };
    }

    public IProgressParser NewProgressParser(RunSpec spec) => new Progress();

    private sealed partial class Progress : IProgressParser
    {
        public ProgressUpdate? Parse(string line)
        {
            var m = PercentLine().Match(line);
            if (m.Success && double.TryParse(m.Groups["pct"].Value, CultureInfo.InvariantCulture, out var pct))
                return new(m.Groups["step"].Value.Trim(), (int)Math.Clamp(pct, 0, 99));
            if (line.StartsWith("Initiating ", StringComparison.Ordinal))
                return new(line["Initiating ".Length..].Split(" at ")[0].Trim(), null);
            return null;
        }
    }

    // "Stats: 0:00:04 elapsed; 0 hosts completed (1 up), 1 undergoing Service Scan\nService scan Timing: About 50.00% done; ETC: ..."
    [GeneratedRegex(@"^(?<step>[A-Za-z ]+?) Timing: About (?<pct>[0-9.]+)% done")]
    private static partial Regex PercentLine();

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = ReportReading.OpenXml(report);
        while (await ReportReading.ReadToNextAsync(reader, context, "host"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            XmlReader host;
            try { host = reader.ReadSubtree(); }
            catch (XmlException ex) { context.Warn(ex.Message); yield break; }
            string? address = null, hostname = null, state = null;
            var ports = new List<OpenPort>();
            var hostScripts = new List<XElement>();
            bool complete = true;
            try
            {
                while (host.Read())
                {
                    if (host.NodeType != XmlNodeType.Element) continue;
                    switch (host.LocalName)
                    {
                        case "status": state = host.GetAttribute("state"); break;
                        case "address" when address is null || host.GetAttribute("addrtype") != "mac": address = host.GetAttribute("addr"); break;
                        case "hostname" when hostname is null: hostname = host.GetAttribute("name"); break;
                        case "port":
                            var proto = host.GetAttribute("protocol") ?? "tcp";
                            int.TryParse(host.GetAttribute("portid"), out var portId);
                            if (ReadPort(host.ReadSubtree(), proto, portId) is { } open) ports.Add(open);
                            break;
                        case "hostscript":
                            hostScripts.AddRange(ReadScripts(host.ReadSubtree()));
                            break;
                    }
                }
            }
            catch (XmlException ex)
            {
                context.Warn($"report is incomplete: {ex.Message}");
                complete = false;
            }
            if (address is null) yield break;
            if (state == "up" && ports.Count == 0 && hostScripts.Count == 0)
                yield return context.Create("network", Severity.Info, $"Host {address} is up", "host-up",
                    new FindingLocation { Host = address }, description: hostname is null ? null : $"Host name: {hostname}");
            foreach (var p in ports)
            {
                var baseService = p.Service?.Split('/').Last();
                var (severity, why) = baseService is not null && RiskyServices.TryGetValue(baseService, out var risk)
                    ? risk : (Severity.Info, "An open port is attack surface; close it if it need not be reachable.");
                var label = p.Service is null ? "" : $" ({p.Service})";
                var software = string.Join(' ', new[] { p.Product, p.Version }.Where(s => !string.IsNullOrEmpty(s)));
                yield return context.Create("network", severity, $"Open port {p.Port}/{p.Proto}{label}", "open-port",
                    new FindingLocation { Host = address, Port = p.Port, Package = string.IsNullOrEmpty(p.Product) ? null : p.Product, Version = p.Version },
                    description: software.Length > 0 ? $"{why} Service: {software}." : why,
                    remediation: severity > Severity.Info ? $"Restrict {p.Service} to trusted networks or turn it off." : null);
                foreach (var script in p.Scripts)
                    foreach (var f in NseFindings.Of(script, new FindingLocation { Host = address, Port = p.Port }, context))
                        yield return f;
            }
            foreach (var script in hostScripts)
                foreach (var f in NseFindings.Of(script, new FindingLocation { Host = address }, context))
                    yield return f;
            if (!complete) yield break;
        }
    }

    private sealed record OpenPort(string Proto, int Port, string? Service, string? Product, string? Version, IReadOnlyList<XElement> Scripts);

    /// <summary>One port element: null unless the port is open.</summary>
    private static OpenPort? ReadPort(XmlReader port, string proto, int portId)
    {
        string? pState = null, service = null, product = null, version = null;
        var scripts = new List<XElement>();
        while (port.Read())
        {
            if (port.NodeType != XmlNodeType.Element) continue;
            switch (port.LocalName)
            {
                case "state": pState = port.GetAttribute("state"); break;
                case "service":
                    service = port.GetAttribute("name");
                    product = port.GetAttribute("product");
                    version = port.GetAttribute("version");
                    if (port.GetAttribute("tunnel") == "ssl" && service is not null) service = "ssl/" + service;
                    break;
                case "script": scripts.Add(XElement.Load(port.ReadSubtree())); break;
            }
        }
        return pState == "open" ? new OpenPort(proto, portId, service, product, version, scripts) : null;
    }

    private static IEnumerable<XElement> ReadScripts(XmlReader parent)
    {
        var scripts = new List<XElement>();
        while (parent.Read())
            if (parent.NodeType == XmlNodeType.Element && parent.LocalName == "script")
                scripts.Add(XElement.Load(parent.ReadSubtree()));
        return scripts;
    }
}

/// <summary>
/// Findings from NSE script results. Scripts built on nmap's vulns library write one table per vulnerability (title,
/// state, ids, scores, description, refs): every one whose state is VULNERABLE or LIKELY VULNERABLE is a finding, its
/// severity from its CVSS score, else the "Risk factor" the script printed, else high (confirmed) or medium (likely).
/// A few vuln scripts print plain text only when they find something; those are named here. Everything else a
/// script prints (titles, banners, certificates) is information, not a finding.
/// </summary>
internal static partial class NseFindings
{
    private static readonly Dictionary<string, (Severity Severity, string Category, string Title, string Fix, string? Cve)> PlainScripts = new(StringComparer.Ordinal)
    {
        ["http-git"] = (Severity.High, FindingCategories.Misconfiguration, "Git repository exposed over HTTP",
            "Remove the .git directory from the web root or deny access to it; rotate any secret its history holds.", null),
        ["http-trace"] = (Severity.Low, FindingCategories.Misconfiguration, "HTTP TRACE method enabled",
            "Disable the TRACE method in the web server.", null),
        ["http-cookie-flags"] = (Severity.Low, FindingCategories.Misconfiguration, "Cookies set without the HttpOnly or Secure flag",
            "Set HttpOnly on session cookies, and Secure on every cookie sent over https.", null),
        ["http-internal-ip-disclosure"] = (Severity.Low, FindingCategories.Misconfiguration, "Internal IP address disclosed in HTTP responses",
            "Configure the server not to reveal internal addresses (Location and Content-Location headers).", null),
        ["ssl-cert-intaddr"] = (Severity.Low, FindingCategories.Misconfiguration, "TLS certificate names a private address",
            "Issue certificates without private addresses in their names.", null),
        ["ssl-known-key"] = (Severity.High, FindingCategories.Vulnerability, "TLS certificate uses a publicly known private key",
            "Generate a new private key and certificate.", null),
        ["http-vuln-cve2010-0738"] = (Severity.High, FindingCategories.Vulnerability, "JBoss console reachable without authentication",
            "Restrict the JBoss JMX and web consoles to authenticated administrators.", "CVE-2010-0738"),
    };

    public static IEnumerable<Finding> Of(XElement script, FindingLocation location, FindingContext context)
    {
        var id = script.Attribute("id")?.Value ?? "unknown";
        var output = script.Attribute("output")?.Value ?? "";
        var vulns = script.Elements("table").Where(t => Elem(t, "state") is not null && Elem(t, "title") is not null).ToList();
        if (vulns.Count > 0)
        {
            foreach (var v in vulns)
                if (FromVulnTable(id, output, v, location, context) is { } f) yield return f;
            yield break;
        }
        if (PlainScripts.TryGetValue(id, out var known) && output.Trim() is { Length: > 0 } text && !text.StartsWith("ERROR", StringComparison.Ordinal))
            yield return context.Create(known.Category, known.Severity, known.Title, id, location,
                description: Cap(text), remediation: known.Fix, cves: known.Cve is null ? null : [known.Cve]);
    }

    private static Finding? FromVulnTable(string scriptId, string output, XElement vuln, FindingLocation location, FindingContext context)
    {
        var state = Elem(vuln, "state")!;
        var likely = state.StartsWith("LIKELY", StringComparison.Ordinal);
        if (!state.Contains("VULNERABLE", StringComparison.Ordinal) || state.StartsWith("NOT", StringComparison.Ordinal)) return null;
        var title = Elem(vuln, "title")!;
        var ids = Table(vuln, "ids");
        var cves = ids.Where(i => i.StartsWith("CVE:", StringComparison.Ordinal)).Select(i => i[4..]).ToList();
        double? cvss = null;
        if (vuln.Elements("table").FirstOrDefault(t => t.Attribute("key")?.Value == "scores") is { } scores)
            cvss = scores.Elements("elem").OrderByDescending(e => e.Attribute("key")?.Value, StringComparer.Ordinal) // CVSSv3 before CVSSv2
                .Select(e => double.TryParse(e.Value, CultureInfo.InvariantCulture, out var d) ? d : (double?)null)
                .FirstOrDefault(d => d is not null);
        var severity = cvss is { } score ? SeverityScale.FromCvss(score)
            : RiskFactor(output, title) is { } risk ? SeverityScale.FromWord(risk)
            : likely ? Severity.Medium : Severity.High;
        var description = string.Join("\n", Table(vuln, "description").DefaultIfEmpty(Elem(vuln, "description") ?? ""));
        var key = vuln.Attribute("key")?.Value;
        return context.Create(FindingCategories.Vulnerability, severity, title, key is null ? scriptId : $"{scriptId}:{key}", location,
            description: Cap($"{state} ({scriptId}). {description}".Trim()),
            remediation: "Update or reconfigure the affected service; see the references.",
            references: Table(vuln, "refs").ToList(), cves: cves, cvss: cvss);
    }

    private static string? Elem(XElement table, string key) =>
        table.Elements("elem").FirstOrDefault(e => e.Attribute("key")?.Value == key)?.Value;

    private static IEnumerable<string> Table(XElement table, string key) =>
        table.Elements("table").FirstOrDefault(t => t.Attribute("key")?.Value == key)?.Elements("elem").Select(e => e.Value) ?? [];

    /// <summary>The "Risk factor: High" line of the vulnerability titled <paramref name="title"/> in the script's text
    /// (the structured output leaves it out), looked for between its title and the next vulnerability's state line.</summary>
    private static string? RiskFactor(string output, string title)
    {
        var at = output.IndexOf(title, StringComparison.Ordinal);
        if (at < 0) return null;
        var state = output.IndexOf("State:", at, StringComparison.Ordinal);
        var next = state < 0 ? -1 : output.IndexOf("State:", state + 1, StringComparison.Ordinal);
        var block = output[at..(next < 0 ? output.Length : next)];
        var m = RiskLine().Match(block);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static string Cap(string text) => text.Length <= 4000 ? text : text[..4000] + " …";

    [GeneratedRegex(@"Risk factor: (High|Medium|Low)")]
    private static partial Regex RiskLine();
}

/// <summary>A host target: host name, IP address or CIDR range, with an optional port list after a colon
/// ("10.0.0.1:22,80,8000-8100", "[::1]:443").</summary>
public sealed partial record HostTarget(string Host, string? Ports)
{
    public static HostTarget Parse(string normalized)
    {
        if (normalized.StartsWith('['))
        {
            var end = normalized.IndexOf(']');
            var rest = normalized[(end + 1)..];
            return new(normalized[1..end], rest.StartsWith(':') ? rest[1..] : null);
        }
        var colon = normalized.IndexOf(':');
        if (colon > 0 && normalized.IndexOf(':', colon + 1) < 0)
            return new(normalized[..colon], normalized[(colon + 1)..]);
        return new(normalized, null);
    }
}
