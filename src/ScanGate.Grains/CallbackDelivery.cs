using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ScanGate.Grains;

/// <summary>Bound from "ScanGate:Callbacks".</summary>
public sealed class CallbackOptions
{
    public const string Section = "ScanGate:Callbacks";
    /// <summary>Deliver to loopback and private addresses too (on-prem, tests). Off by default: a callback
    /// URL is a client's string, and the silo must not be turned against its own network.</summary>
    public bool AllowPrivateAddresses { get; set; }
    public int MaxAttempts { get; set; } = 12;
    /// <summary>The first retry's delay; each next one doubles, up to an hour.</summary>
    public double FirstRetrySeconds { get; set; } = 5;
    public int ExpireAfterHours { get; set; } = 24;
}

public static class CallbackSigning
{
    public const string SignatureHeader = "X-ScanGate-Signature";

    /// <summary>"sha256=" and the lower-case hex HMAC-SHA256 of the body under the organisation's secret.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Whether an address is one a callback may reach when private addresses are not allowed.</summary>
    public static bool IsPublic(IPAddress ip) => ScanGate.Scanners.NetworkAddresses.IsPublic(ip);

    /// <summary>The handler for callback requests: it checks the address actually connected to, so a name that
    /// resolves to a private address (or changes to one) is refused at connect time.</summary>
    public static SocketsHttpHandler Handler(CallbackOptions options) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
            var allowed = addresses.Where(a => options.AllowPrivateAddresses || IsPublic(a)).ToList();
            if (allowed.Count == 0) throw new HttpRequestException($"callback host {context.DnsEndPoint.Host} resolves to no public address");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed.ToArray(), context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
