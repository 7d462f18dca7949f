using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>The gate as CI sets it over HTTP: new-only against the project's baseline branch, counts, switches,
/// and the verdict with its grade and score.</summary>
public sealed class GateApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private HttpClient Http => _host.Http;

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> Start(object body)
    {
        using var response = await Http.PostAsync("/api/v1/scans", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> WaitForEnd(string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var scan = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/scans/{id}")).RootElement.Clone();
            if (scan.GetProperty("status").GetString() is "completed" or "failed" or "stopped" or "cancelled") return scan;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(scan.ToString());
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task New_only_judges_a_feature_branch_against_the_last_scan_of_its_base_branch()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        using var second = new TcpListener(IPAddress.Loopback, 0);
        var firstPort = ((IPEndPoint)first.LocalEndpoint).Port;
        var ports = $"{firstPort},{Net.FreePort()}";
        var gate = new Dictionary<string, int> { ["info"] = 0 }; // any judged open port fails
        await ApiHost.PostJsonAsync(Http, "/api/v1/projects", new { key = "gate-app", name = "Gate app", default_branch = "main" });

        // main: the open port is there; this scan becomes main's baseline.
        var main = await WaitForEnd(await Start(new { scan_type = "network_discovery", target = $"127.0.0.1:{ports}", project = "gate-app", branch = "main", commit = "aaaaaaa1" }));
        Assert.Equal("completed", main.GetProperty("status").GetString());

        // A feature branch with the same open port: nothing new, so it passes although max_counts.info is 0.
        var same = await WaitForEnd(await Start(new
        {
            scan_type = "network_discovery", target = $"127.0.0.1:{ports}", project = "gate-app", branch = "feature/x", commit = "bbbbbbb2",
            new_only = true, base_branch = "main", max_counts = gate, fail_on_severity = "none",
        }));
        var sameGate = same.GetProperty("gate");
        Assert.True(sameGate.GetProperty("passed").GetBoolean(), sameGate.ToString());
        Assert.Equal(main.GetProperty("id").GetString(), sameGate.GetProperty("baseline_scan_id").GetString());
        Assert.Equal(0, sameGate.GetProperty("new_counts").GetProperty("info").GetInt32());

        // The feature opens another port: one new finding, over max_counts.info.
        second.Start();
        var secondPort = ((IPEndPoint)second.LocalEndpoint).Port;
        var worse = await WaitForEnd(await Start(new
        {
            scan_type = "network_discovery", target = $"127.0.0.1:{firstPort},{secondPort}", project = "gate-app", branch = "feature/x",
            new_only = true, base_branch = "main", max_counts = gate, fail_on_severity = "none",
        }));
        var worseGate = worse.GetProperty("gate");
        Assert.False(worseGate.GetProperty("passed").GetBoolean(), worseGate.ToString());
        Assert.Equal(1, worseGate.GetProperty("new_counts").GetProperty("info").GetInt32());
        Assert.Contains(worseGate.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("more than max_counts.info=0"));

        // The baseline of a commit is found by its id (or a prefix of it).
        var byCommit = await WaitForEnd(await Start(new
        {
            scan_type = "network_discovery", target = $"127.0.0.1:{firstPort},{secondPort}", project = "gate-app", branch = "feature/y",
            new_only = true, base_commit = "aaaaaaa1", max_counts = gate, fail_on_severity = "none",
        }));
        Assert.Equal(main.GetProperty("id").GetString(), byCommit.GetProperty("gate").GetProperty("baseline_scan_id").GetString());

        // The verdict carries its score and grade on the results too.
        var results = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/scans/{worse.GetProperty("id").GetString()}/results")).RootElement;
        Assert.Equal(100, results.GetProperty("score").GetInt32()); // open ports are info: no penalty
        Assert.Equal("A", results.GetProperty("grade").GetString());
        Assert.Equal(JsonValueKind.Null, results.GetProperty("compliance_grade").ValueKind); // not an image scan
    }

    [Theory]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","max_counts":{"severe":1}}""", "max_counts", "unknown severity 'severe'")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","max_counts":{"high":-1}}""", "max_counts", "at least 0")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","max_counts":[1]}""", "max_counts", "must be an object")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","fail_on_sast":"yes"}""", "fail_on_sast", "true or false")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","new_only":true}""", "new_only", "name the project")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","project":"p","base_branch":"main"}""", "base_branch", "only applies with new_only")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","project":"p","new_only":true,"base_commit":"xyz"}""", "base_commit", "commit id")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","image_policy":"lenient"}""", "image_policy", "enforce, audit")]
    [InlineData("""{"scan_type":"network_discovery","target":"127.0.0.1","expected_uploads":99}""", "expected_uploads", "from 0 to 20")]
    public async Task Bad_gate_settings_are_problems_naming_the_field(string json, string field, string detailPart)
    {
        using var response = await Http.PostAsync("/api/v1/scans", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, body.GetProperty("field").GetString());
        Assert.Contains(detailPart, body.GetProperty("detail").GetString());
    }
}
