using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>A long testssl run driven over HTTP: pause, heartbeats while nothing happens, cancel.</summary>
public sealed class LiveScanApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private WeakTlsServer _tls = null!;

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync("--ScanGate:Api:SseHeartbeatSeconds", "1");
        _tls = await WeakTlsServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _tls.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_paused_scan_streams_heartbeats_and_cancel_over_http_answers_with_the_cancelled_scan()
    {
        var http = _host.Http;
        using var created = await http.PostAsync("/api/v1/scans", new StringContent(
            $$"""{"scan_type":"ssl_security","target":"127.0.0.1:{{_tls.Port}}","scan_profile":"standard"}""", Encoding.UTF8, "application/json"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("scanners")[0].GetProperty("phase").GetString() != "running")
        {
            Assert.True(DateTime.UtcNow < deadline, "testssl never reached its running phase");
            await Task.Delay(200);
        }
        using var pause = await http.PostAsync($"/api/v1/scans/{id}/pause", null);
        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        Assert.Equal("paused", (await pause.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await Task.Delay(1000); // let the last log lines of the run drain before listening

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/scans/{id}/events");
        using var events = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var seen = new List<SseMessage>();
        try
        {
            await foreach (var m in SseReader.ReadAsync(await events.Content.ReadAsStreamAsync(cts.Token), cts.Token))
                seen.Add(m);
        }
        catch (OperationCanceledException) { /* we stop listening after five seconds */ }
        Assert.Equal("snapshot", seen[0].Event);
        Assert.Equal("paused", JsonDocument.Parse(seen[0].Data).RootElement.GetProperty("status").GetString());
        Assert.True(seen.Count(m => m.Event == "heartbeat") >= 3, string.Join(", ", seen.Select(m => m.Event)));
        Assert.All(seen.Where(m => m.Event == "heartbeat"), m => Assert.Null(m.Id)); // heartbeats do not move Last-Event-ID

        using var cancel = await http.PostAsync($"/api/v1/scans/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}/results")).GetProperty("findings_count").GetInt32());
        Assert.Empty(await DockerCli.ContainersWithLabelAsync("scangate.scan", id!));
    }

    /// <summary>Live events fan out per node: many SSE connections to one scan share one stream subscription.</summary>
    [Fact]
    public async Task Twenty_sse_connections_to_one_scan_share_one_subscription_and_all_get_every_event()
    {
        var http = _host.Http;
        var hub = _host.Services.GetRequiredService<ScanGate.Application.Live.ScanEventHub>();
        using var created = await http.PostAsync("/api/v1/scans", new StringContent(
            $$"""{"scan_type":"ssl_security","target":"127.0.0.1:{{_tls.Port}}","scan_profile":"standard"}""", Encoding.UTF8, "application/json"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await Eventually.UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("scanners")[0]
            .GetProperty("phase").GetString() == "running", TimeSpan.FromMinutes(2), "testssl never reached its running phase");
        var subscriptionsBefore = hub.SubscriptionsMade;

        const int Connections = 20;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var received = Enumerable.Range(0, Connections).Select(_ => new List<SseMessage>()).ToArray();
        var snapshots = new CountdownEvent(Connections);
        var readers = Enumerable.Range(0, Connections).Select(i => Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/scans/{id}/events");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            await foreach (var m in SseReader.ReadAsync(await response.Content.ReadAsStreamAsync(cts.Token), cts.Token))
            {
                lock (received[i]) received[i].Add(m);
                if (m.Event == "snapshot") snapshots.Signal();
                if (m.Event == "finished") return;
            }
        })).ToArray();
        Assert.True(snapshots.Wait(TimeSpan.FromSeconds(60)), "not every connection got its snapshot");

        // One subscription for the scan on this node, however many connections watch it.
        Assert.Equal(1, hub.Feeds);
        Assert.Equal(Connections, hub.Watchers);
        Assert.InRange(hub.SubscriptionsMade - subscriptionsBefore, 0, 1);

        using (var pause = await http.PostAsync($"/api/v1/scans/{id}/pause", null)) Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        using (var cancel = await http.PostAsync($"/api/v1/scans/{id}/cancel", null)) Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        await Task.WhenAll(readers);

        // From the pause on (every connection was open by then) all saw the same events, in order, to the end.
        var expected = FromPause(received[0]);
        Assert.Equal("finished", expected[^1].Event);
        foreach (var r in received) Assert.Equal(expected.Select(m => (m.Id, m.Event)), FromPause(r).Select(m => (m.Id, m.Event)));
        await Eventually.UntilAsync(() => Task.FromResult(hub.Watchers == 0), TimeSpan.FromSeconds(10), "watchers were not released");
    }

    private static List<SseMessage> FromPause(List<SseMessage> messages)
    {
        lock (messages)
        {
            var events = messages.Where(m => m.Event is not ("heartbeat" or "snapshot")).ToList();
            var pause = events.FindIndex(m => m.Event == "status" && m.Data.Contains("\"paused\""));
            Assert.True(pause >= 0, "a connection never saw the scan paused: " + string.Join(", ", events.Select(m => m.Event)));
            return events[pause..];
        }
    }
}

/// <summary>Configuration maps a scanner to another image. A default scanner whose image the silo does not have is
/// skipped, so a scan type with no other is refused at submission; one the request names runs, and an image that
/// cannot be had fails the run with the reason.</summary>
public sealed class ImageOverrideTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    public async Task InitializeAsync() =>
        _host = await ApiHost.StartAsync("--ScanGate:Scanners:Overrides:nmap:Image", "127.0.0.1:9/air-gapped/nmap:7.95");
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_scan_type_whose_only_default_has_no_image_is_a_503_at_submission_naming_what_it_needs()
    {
        using var refused = await _host.Http.PostAsync("/api/v1/scans", new StringContent(
            """{"scan_type":"network_discovery","target":"127.0.0.1:9"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("no scanner of network_discovery can run here", detail);
        Assert.Contains("nmap (its image 127.0.0.1:9/air-gapped/nmap:7.95 is not on this silo's container engine)", detail);
        var scans = await _host.Http.GetFromJsonAsync<JsonElement>("/api/v1/scans");
        Assert.Equal(0, scans.GetProperty("items").GetArrayLength()); // refused: nothing started, nothing charged
    }

    [Fact]
    public async Task An_overridden_image_is_the_one_pulled_and_a_failed_pull_names_it()
    {
        using var created = await _host.Http.PostAsync("/api/v1/scans", new StringContent(
            """{"scan_type":"network_discovery","target":"127.0.0.1:9","scanners":["nmap"]}""", Encoding.UTF8, "application/json"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        JsonElement scan;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        do
        {
            await Task.Delay(250);
            scan = await _host.Http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}");
        } while (scan.GetProperty("status").GetString() is "queued" or "running" && DateTime.UtcNow < deadline);

        Assert.Equal("failed", scan.GetProperty("status").GetString());
        var nmap = scan.GetProperty("scanners")[0];
        Assert.Equal("failed", nmap.GetProperty("status").GetString());
        Assert.Contains("127.0.0.1:9/air-gapped/nmap:7.95", nmap.GetProperty("error").GetString());
        Assert.False(scan.GetProperty("gate_passed").GetBoolean());
    }
}
