using System.Net;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;

namespace ScanGate.Application;

/// <summary>Bound from "ScanGate:Targets": which targets this deployment scans at all.</summary>
public sealed class TargetPolicyOptions
{
    public const string Section = "ScanGate:Targets";
    /// <summary>Scan loopback and private networks (an on-prem deployment scanning its own network: the default).
    /// A multi-tenant SaaS turns this off, so no tenant can point the silos at their own network.</summary>
    public bool AllowPrivateNetworks { get; set; } = true;
    /// <summary>Ranges never scanned, whatever else allows them.</summary>
    public List<string> DeniedCidrs { get; set; } = [];
}

/// <summary>Checks a validated target against the deployment's policy: its literal address, or every address
/// its host name resolves to now. (A scanner resolves the name again when it runs.)</summary>
public sealed class TargetPolicy(Microsoft.Extensions.Options.IOptions<TargetPolicyOptions> options)
{
    private readonly IPNetwork[] _denied = options.Value.DeniedCidrs.Select(IPNetwork.Parse).ToArray();

    public async Task<string?> RefusalAsync(TargetKind kind, string target, CancellationToken cancellationToken)
    {
        if (options.Value.AllowPrivateNetworks && _denied.Length == 0) return null;
        var host = kind switch
        {
            TargetKind.Host => HostTarget.Parse(target).Host,
            TargetKind.TlsEndpoint => HostTarget.Parse(target).Host.Trim('[', ']'),
            TargetKind.ContainerImage => RegistryHost(target),
            _ => new Uri(target).Host.Trim('[', ']'),
        };
        if (host.Contains('/'))
        {
            var range = IPNetwork.Parse(host);
            if (!options.Value.AllowPrivateNetworks && NetworkAddresses.TouchesNonPublic(range)) return "the range reaches into loopback or private networks, which this deployment does not scan";
            return _denied.Any(d => d.Contains(range.BaseAddress) || range.Contains(d.BaseAddress)) ? "the range is on this deployment's deny list" : null;
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal)) addresses = [literal];
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                return null; // an unknown name reaches nothing; the scanner will say so
            }
        }
        if (!options.Value.AllowPrivateNetworks && addresses.Any(a => !NetworkAddresses.IsPublic(a)))
            return "the target is (or resolves to) a loopback or private address, which this deployment does not scan";
        if (addresses.Any(a => _denied.Any(d => d.Contains(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a))))
            return "the target is on this deployment's deny list";
        return null;
    }

    /// <summary>The registry an image is pulled from: the first path part when it names a host (has a dot or a
    /// port, or is localhost), else Docker Hub.</summary>
    public static string RegistryHost(string image)
    {
        var slash = image.IndexOf('/');
        if (slash < 0) return "registry-1.docker.io";
        var first = image[..slash];
        if (first != "localhost" && !first.Contains('.') && !first.Contains(':')) return "registry-1.docker.io";
        var colon = first.LastIndexOf(':');
        return colon > 0 ? first[..colon] : first;
    }
}
