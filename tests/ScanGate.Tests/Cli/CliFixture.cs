using System.Net;
using System.Net.Sockets;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.CommandLine;

/// <summary>One embedded ScanGate (silo + API on Kestrel) for the CLI tests, and a loopback listener for nmap to find.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    public ApiHost Host { get; private set; } = null!;
    public TcpListener Listener { get; } = new(IPAddress.Loopback, 0);
    public int OpenPort => ((IPEndPoint)Listener.LocalEndpoint).Port;
    /// <summary>An open port and a closed one: one finding (the open port, severity info).</summary>
    public string Target => $"127.0.0.1:{OpenPort},{_closedPort}";
    private int _closedPort;

    public CliRunner Cli(Uri? url = null, string? key = null) => new(new Dictionary<string, string>
    {
        ["SCANGATE_URL"] = (url ?? Host.BaseAddress).ToString(), ["SCANGATE_API_KEY"] = key ?? Host.AdminKey,
    });

    public async Task InitializeAsync()
    {
        Listener.Start();
        _closedPort = Net.FreePort();
        Host = await ApiHost.StartAsync();
    }

    public async Task DisposeAsync()
    {
        Listener.Stop();
        await Host.DisposeAsync();
    }
}
