using ScanGate.Contracts;

namespace ScanGate.Scanners;

/// <summary>
/// How a scanner makes its own target out of a scan's target of another kind. <see cref="Derive"/> takes the scan's
/// normalised target and returns the scanner's, which the catalogue then validates and normalises for <see cref="To"/>;
/// it returns null when the target gives the scanner nothing to do (an http URL has no TLS endpoint), and
/// <see cref="Needs"/> says what it would take.
/// </summary>
public sealed record TargetDerivation(string Name, TargetKind From, TargetKind To, Func<string, string?> Derive, string Needs)
{
    /// <summary>The host of a URL: a port scan of the machine behind a web site.</summary>
    public static readonly TargetDerivation UrlHost = new("url_host", TargetKind.Url, TargetKind.Host,
        url => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host.Trim('[', ']') : null,
        "an http:// or https:// URL");

    /// <summary>The TLS endpoint (host:port) of an https URL; an http URL has none.</summary>
    public static readonly TargetDerivation UrlTlsEndpoint = new("url_tls_endpoint", TargetKind.Url, TargetKind.TlsEndpoint,
        url => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? url : null,
        "an https:// URL");
}
