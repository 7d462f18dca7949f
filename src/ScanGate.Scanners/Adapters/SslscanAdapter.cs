using System.Runtime.CompilerServices;
using System.Xml;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>sslscan 2.1 (Debian trixie): protocols, ciphers and certificate, XML report.</summary>
public sealed class SslscanAdapter : IContainerScanner
{
    public string Name => "sslscan";
    public string Description => "sslscan: a fast check of TLS protocols, cipher suites and the certificate.";
    public TargetKind TargetKind => TargetKind.TlsEndpoint;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("ssl_security", ByDefault: false)];
    public string DefaultImage => "scangate/sslscan:latest";

    private const string ReportPath = "/out/report.xml";

    public ContainerPlan Plan(RunSpec spec) => new()
    {
        Arguments = ["--no-colour", "--xml=" + ReportPath, spec.Target],
        ReportPath = ReportPath,
    };

    public IProgressParser NewProgressParser(RunSpec spec) => new Progress();

    private sealed class Progress : IProgressParser
    {
        private static readonly string[] Steps = ["SSL/TLS Protocols", "TLS Fallback", "TLS renegotiation", "Heartbleed", "Supported Server Cipher", "Server Key Exchange", "SSL Certificate"];
        public ProgressUpdate? Parse(string line)
        {
            var i = Array.FindIndex(Steps, s => line.Contains(s, StringComparison.Ordinal));
            return i < 0 ? null : new(Steps[i], 100 * i / Steps.Length);
        }
    }

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = ReportReading.OpenXml(report);
        string? host = null; int? port = null;
        while (await ReportReading.ReadToNextAsync(reader, context, "ssltest", "protocol", "cipher", "heartbleed", "renegotiation", "compression", "self-signed", "expired"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var location = new FindingLocation { Host = host, Port = port };
            switch (reader.LocalName)
            {
                case "ssltest":
                    host = reader.GetAttribute("host");
                    port = int.TryParse(reader.GetAttribute("port"), out var p) ? p : null;
                    break;
                case "protocol" when reader.GetAttribute("enabled") == "1":
                    var name = reader.GetAttribute("type") == "ssl" ? $"SSLv{reader.GetAttribute("version")}" : $"TLSv{reader.GetAttribute("version")}";
                    var sev = name switch { "SSLv2" or "SSLv3" => Severity.High, "TLSv1.0" or "TLSv1.1" => Severity.Medium, _ => (Severity?)null };
                    if (sev is { } s)
                        yield return context.Create("tls", s, $"Obsolete protocol {name} offered", "protocol-" + name, location,
                            remediation: "Offer TLS 1.2 and 1.3 only.");
                    break;
                case "cipher" when reader.GetAttribute("strength") is "weak" or "medium" or "null" or "anonymous" or "export":
                    var strength = reader.GetAttribute("strength")!;
                    var cipher = reader.GetAttribute("cipher");
                    var cipherSeverity = strength is "null" or "anonymous" or "export" ? Severity.High : Severity.Medium;
                    yield return context.Create("tls", cipherSeverity, $"{Capitalise(strength)} cipher {cipher} accepted ({reader.GetAttribute("sslversion")})",
                        $"cipher-{strength}:{cipher}", location, remediation: "Remove the cipher suite from the server's configuration.");
                    break;
                case "heartbleed" when reader.GetAttribute("vulnerable") == "1":
                    yield return context.Create("tls", Severity.Critical, $"Heartbleed ({reader.GetAttribute("sslversion")})", "heartbleed", location,
                        cves: ["CVE-2014-0160"], remediation: "Upgrade OpenSSL.");
                    break;
                case "renegotiation" when reader.GetAttribute("supported") == "1" && reader.GetAttribute("secure") != "1":
                    yield return context.Create("tls", Severity.Medium, "Insecure client-initiated renegotiation", "insecure-renegotiation", location);
                    break;
                case "compression" when reader.GetAttribute("supported") == "1":
                    yield return context.Create("tls", Severity.Medium, "TLS compression enabled (CRIME)", "tls-compression", location, cves: ["CVE-2012-4929"]);
                    break;
                case "self-signed" when await ReadBoolAsync(reader):
                    yield return context.Create("tls", Severity.Medium, "Self-signed certificate", "self-signed-certificate", location,
                        remediation: "Use a certificate issued by a trusted authority.");
                    break;
                case "expired" when await ReadBoolAsync(reader):
                    yield return context.Create("tls", Severity.High, "Certificate has expired", "expired-certificate", location);
                    break;
            }
        }
    }

    private static async Task<bool> ReadBoolAsync(XmlReader reader)
    {
        try { return (await reader.ReadElementContentAsStringAsync()).Trim() == "true"; }
        catch (XmlException) { return false; }
    }

    private static string Capitalise(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
