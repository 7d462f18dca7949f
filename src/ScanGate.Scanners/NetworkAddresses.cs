using System.Net;
using System.Net.Sockets;

namespace ScanGate.Scanners;

/// <summary>Which addresses are the public internet, and which belong to someone's own network.</summary>
public static class NetworkAddresses
{
    private static readonly IPNetwork[] NonPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("224.0.0.0/3"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    public static bool IsPublic(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return !NonPublic.Any(n => n.BaseAddress.AddressFamily == ip.AddressFamily && n.Contains(ip));
    }

    /// <summary>Whether a CIDR range reaches into a non-public range (a sweep of 10.0.0.0/24, say).</summary>
    public static bool TouchesNonPublic(IPNetwork range) =>
        !IsPublic(range.BaseAddress) || NonPublic.Any(n => n.BaseAddress.AddressFamily == range.BaseAddress.AddressFamily
            && (range.Contains(n.BaseAddress) || n.Contains(range.BaseAddress)));

    public static bool IsIPv4(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork;
}
