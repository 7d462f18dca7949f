using Microsoft.AspNetCore.Builder;
using ScanGate.Silo;

namespace ScanGate.Tests.Infrastructure;

/// <summary>The embedded deployment (silo + API) on a real Kestrel bound to 127.0.0.1, in this process.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }

    private ApiHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
    }

    public static async Task<ApiHost> StartAsync(params string[] extraArgs)
    {
        var port = Net.FreePort();
        var url = $"http://127.0.0.1:{port}";
        string[] args =
        [
            "--urls", url,
            "--ScanGate:Orleans:SiloPort", Net.FreePort().ToString(),
            "--ScanGate:Orleans:GatewayPort", Net.FreePort().ToString(),
            "--ScanGate:Orleans:ClusterId", "test-" + Guid.NewGuid().ToString("N")[..8],
            "--Logging:LogLevel:Default", "Warning",
            .. extraArgs,
        ];
        var app = ScanGateHost.Build(ScanGateHost.CreateBuilder(args));
        await app.StartAsync();
        return new ApiHost(app, new Uri(url));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
