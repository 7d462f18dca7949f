using Microsoft.AspNetCore.Builder;
using ScanGate.Silo;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Benchmarks;

/// <summary>The embedded deployment the benchmarks measure: one silo with the API on a free loopback port, its own
/// cluster id, a bootstrap administrator key and warnings only in the log.</summary>
public static class EmbeddedHost
{
    /// <param name="extraArgs">More settings, as command-line arguments ("--ScanGate:…", value).</param>
    public static (WebApplicationBuilder Builder, string BaseUrl, string AdminKey) Create(params string[] extraArgs)
    {
        var port = Net.FreePort();
        var adminKey = ScanGate.Application.ApiKeys.NewKey();
        var builder = ScanGateHost.CreateBuilder([
            "--urls", $"http://127.0.0.1:{port}",
            "--ScanGate:Orleans:SiloPort", Net.FreePort().ToString(), "--ScanGate:Orleans:GatewayPort", Net.FreePort().ToString(),
            "--ScanGate:Orleans:ClusterId", "bench-" + Guid.NewGuid().ToString("N")[..6],
            "--ScanGate:Auth:BootstrapKey", adminKey,
            "--Logging:LogLevel:Default", "Warning",
            .. extraArgs]);
        return (builder, $"http://127.0.0.1:{port}", adminKey);
    }
}
