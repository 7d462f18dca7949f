using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>The built silo executable started as its own process, driven over HTTP like a CI job would.</summary>
public sealed class SiloProcessTests
{
    [Fact]
    public async Task The_built_silo_runs_a_scan_over_http_and_streams_it_to_the_end()
    {
        var adminKey = ScanGate.Application.ApiKeys.NewKey();
        await using var process = ScanGateProcess.Start(SiloAssembly.Path(), "silo", new Dictionary<string, string>
        {
            ["ScanGate__Orleans__ClusterId"] = "proc-" + Guid.NewGuid().ToString("N")[..8],
            ["ScanGate__Auth__BootstrapKey"] = adminKey,
        });
        var http = process.Http;
        http.Timeout = TimeSpan.FromMinutes(3);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        await process.WaitHealthyAsync(TimeSpan.FromSeconds(60));

        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var target = ((IPEndPoint)open.LocalEndpoint).Port;
        using var created = await http.PostAsync("/api/v1/scans", new StringContent(
            $$"""{"scan_type":"network_discovery","target":"127.0.0.1:{{target}}","fail_on_severity":"low"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var events = await http.GetAsync($"/api/v1/scans/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        var messages = new List<SseMessage>();
        await foreach (var m in SseReader.ReadAsync(await events.Content.ReadAsStreamAsync())) messages.Add(m);

        Assert.Equal("snapshot", messages[0].Event);
        Assert.Equal("finished", messages[^1].Event);
        var final = JsonDocument.Parse(messages[^1].Data).RootElement;
        Assert.Equal("completed", final.GetProperty("status").GetString());
        Assert.True(final.GetProperty("gate_passed").GetBoolean()); // one open port is info, below low
        var results = await http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}/results");
        Assert.Equal(1, results.GetProperty("findings_count").GetInt32());
    }
}

/// <summary>Where the built silo is.</summary>
public static class SiloAssembly
{
    /// <summary>The silo as built next to this test assembly's configuration (Debug or Release).</summary>
    public static string Path()
    {
        var testDir = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testDir.Parent!.Name; // bin/<Configuration>/net10.0
        var root = testDir;
        while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "ScanGate.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var path = System.IO.Path.Combine(root.FullName, "silo", "bin", configuration, testDir.Name, "scangate-silo.dll");
        Assert.True(File.Exists(path), $"the silo is not built at {path}");
        return path;
    }
}
