using System.Net;
using System.Text.RegularExpressions;
using ScanGate.Contracts;

namespace ScanGate.Scanners;

/// <summary>Validates and normalises a target for its kind. A valid target is one argument a tool can
/// take as it is: never an option (no leading '-'), never a local path, never a control character.</summary>
public static partial class Targets
{
    public const int MaxLength = 2048;

    public static bool TryNormalize(TargetKind kind, string? raw, out string normalized, out string error)
    {
        normalized = "";
        error = "";
        var value = raw?.Trim() ?? "";
        if (value.Length == 0) { error = "target is required"; return false; }
        if (value.Length > MaxLength) { error = $"target is longer than {MaxLength} characters"; return false; }
        if (value.Any(char.IsControl) || value.Any(char.IsWhiteSpace)) { error = "target must not contain spaces or control characters"; return false; }
        if (value.StartsWith('-')) { error = "target must not start with '-'"; return false; }

        switch (kind)
        {
            case TargetKind.Host: return TryHost(value, out normalized, out error);
            case TargetKind.TlsEndpoint: return TryTls(value, out normalized, out error);
            case TargetKind.Url: return TryUrl(value, out normalized, out error);
            case TargetKind.GitRepository: return TryGit(value, out normalized, out error);
            case TargetKind.ContainerImage: return TryImage(value, out normalized, out error);
            default: error = "unsupported target kind"; return false;
        }
    }

    private static bool TryHost(string value, out string normalized, out string error)
    {
        normalized = ""; error = "";
        var target = Adapters.HostTarget.Parse(value);
        if (target.Ports is not null && !PortList().IsMatch(target.Ports))
        {
            error = "the port list after ':' must be ports or ranges separated by commas, e.g. 22,80,8000-8100";
            return false;
        }
        if (target.Ports is not null && target.Ports.Split(',', '-').Any(p => !int.TryParse(p, out var n) || n is < 1 or > 65535))
        {
            error = "ports must be between 1 and 65535";
            return false;
        }
        var host = target.Host;
        var slash = host.IndexOf('/');
        if (slash >= 0)
        {
            if (!IPAddress.TryParse(host[..slash], out var net) || !int.TryParse(host[(slash + 1)..], out var bits))
            { error = "a CIDR range must be an IP address, '/', and a prefix length"; return false; }
            var min = net.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 112 : 16;
            var max = net.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
            if (bits < min || bits > max) { error = $"a CIDR range must have a prefix length from /{min} to /{max}"; return false; }
            normalized = value;
            return true;
        }
        if (IPAddress.TryParse(host, out var ip))
        {
            var text = ip.ToString();
            normalized = target.Ports is null ? text : ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{text}]:{target.Ports}" : $"{text}:{target.Ports}";
            return true;
        }
        if (!HostName().IsMatch(host)) { error = "target must be a host name, an IP address or a CIDR range"; return false; }
        normalized = target.Ports is null ? host.ToLowerInvariant() : $"{host.ToLowerInvariant()}:{target.Ports}";
        return true;
    }

    private static bool TryTls(string value, out string normalized, out string error)
    {
        normalized = ""; error = "";
        string host; int port = 443;
        if (value.Contains("://"))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != "https")
            { error = "a TLS target must be host[:port] or an https:// URL"; return false; }
            if (!string.IsNullOrEmpty(uri.UserInfo)) { error = "target must not contain credentials"; return false; }
            host = uri.Host.Trim('[', ']'); port = uri.Port;
        }
        else
        {
            var t = Adapters.HostTarget.Parse(value);
            host = t.Host;
            if (t.Ports is not null && (!int.TryParse(t.Ports, out port) || port is < 1 or > 65535))
            { error = "the port must be one number from 1 to 65535"; return false; }
        }
        if (IPAddress.TryParse(host, out var ip))
            normalized = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]:{port}" : $"{ip}:{port}";
        else if (HostName().IsMatch(host))
            normalized = $"{host.ToLowerInvariant()}:{port}";
        else { error = "target must be a host name or IP address, with an optional :port"; return false; }
        return true;
    }

    private static bool TryUrl(string value, out string normalized, out string error)
    {
        normalized = ""; error = "";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        { error = "target must be an absolute http:// or https:// URL"; return false; }
        if (!string.IsNullOrEmpty(uri.UserInfo)) { error = "target must not contain credentials"; return false; }
        normalized = uri.AbsoluteUri;
        return true;
    }

    private static bool TryGit(string value, out string normalized, out string error)
    {
        normalized = ""; error = "";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "git") || string.IsNullOrEmpty(uri.Host))
        { error = "target must be a Git repository URL starting with https:// or git:// (local paths, file://, ssh and ext:: are refused)"; return false; }
        if (!string.IsNullOrEmpty(uri.UserInfo)) { error = "target must not contain credentials"; return false; }
        if (uri.AbsolutePath.Contains("/-") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        { error = "a Git URL must have a plain path with no query or fragment"; return false; }
        normalized = uri.AbsoluteUri;
        return true;
    }

    private static bool TryImage(string value, out string normalized, out string error)
    {
        normalized = ""; error = "";
        if (value.Contains("://")) { error = "an image reference has no scheme: registry.example.com/team/app:1.2 or app@sha256:…"; return false; }
        if (!ImageReference().IsMatch(value))
        { error = "target must be an image reference: [registry[:port]/]name[:tag][@sha256:digest], name in lower case"; return false; }
        normalized = value;
        return true;
    }

    // registry (a host with a dot or a port, or localhost), then lower-case path components, an optional tag and an optional digest.
    [GeneratedRegex(@"^(?:(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+:\d{1,5}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+:\d{1,5})/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageReference();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$")]
    private static partial Regex PortList();
}
