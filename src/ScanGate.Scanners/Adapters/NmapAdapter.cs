using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Xml;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>nmap 7.95 (Debian trixie): unprivileged connect scans, XML report.</summary>
public sealed partial class NmapAdapter : IContainerScanner
{
    public string Name => "nmap";
    public string Description => "Network mapper: live hosts, open TCP ports and service versions.";
    public TargetKind TargetKind => TargetKind.Host;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("network_discovery")];
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

    public ContainerPlan Plan(RunSpec spec)
    {
        var target = HostTarget.Parse(spec.Target);
        var args = new List<string> { "-v", "--stats-every", "2s", "-oX", ReportPath };
        switch (spec.Profile)
        {
            case "ping_sweep":
                args.Add("-sn");
                break;
            case "service_detection":
                args.AddRange(["-sT", "-sV", "-Pn"]);
                args.AddRange(target.Ports is null ? ["--top-ports", "1000"] : ["-p", target.Ports]);
                break;
            default: // port_scan
                args.AddRange(["-sT", "-Pn"]);
                args.AddRange(target.Ports is null ? ["--top-ports", "1000"] : ["-p", target.Ports]);
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
            var ports = new List<(string Proto, int Port, string? Service, string? Product, string? Version)>();
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
                            var port = host.ReadSubtree();
                            string? pState = null, service = null, product = null, version = null;
                            var proto = host.GetAttribute("protocol") ?? "tcp";
                            int.TryParse(host.GetAttribute("portid"), out var portId);
                            while (port.Read())
                            {
                                if (port.NodeType != XmlNodeType.Element) continue;
                                if (port.LocalName == "state") pState = port.GetAttribute("state");
                                else if (port.LocalName == "service")
                                {
                                    service = port.GetAttribute("name");
                                    product = port.GetAttribute("product");
                                    version = port.GetAttribute("version");
                                    if (port.GetAttribute("tunnel") == "ssl" && service is not null) service = "ssl/" + service;
                                }
                            }
                            if (pState == "open") ports.Add((proto, portId, service, product, version));
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
            if (state == "up" && ports.Count == 0)
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
            }
            if (!complete) yield break;
        }
    }
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
