using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Storage;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>A finishing scan stays readable, and its callback delivery is its own grain's, which outlives a lost silo.</summary>
public sealed class ScanFinishingTests
{
    /// <summary>An in-memory finding store whose reads can be held, to catch a scan in the middle of finishing.</summary>
    private sealed class HeldReads(IFindingStore inner) : IFindingStore
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile string? HoldScan;
        public Task Entered => _entered.Task;
        public void Release() => _release.TrySetResult();

        public async Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default)
        {
            if (scanId == HoldScan)
            {
                _entered.TrySetResult();
                await _release.Task;
            }
            return await inner.ListAsync(scanId, query, cancellationToken);
        }

        public Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default) => inner.AddAsync(scanId, batch, cancellationToken);
        public Task<FindingPage> QueryAsync(string? orgId, FindingQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(orgId, query, cancellationToken);
        public Task<Finding?> GetAsync(string findingId, CancellationToken cancellationToken = default) => inner.GetAsync(findingId, cancellationToken);
        public Task<IReadOnlyList<Finding>> SetStatusAsync(IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor, DateTimeOffset at,
            CancellationToken cancellationToken = default) => inner.SetStatusAsync(findingIds, status, note, actor, at, cancellationToken);
        public Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default) => inner.CountAsync(scanId, cancellationToken);
        public Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default) => inner.DeleteScanAsync(scanId, cancellationToken);
        public Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default) => inner.DeleteScannerAsync(scanId, scanner, cancellationToken);
    }

    [Fact]
    public async Task A_status_read_answers_while_the_scan_is_finishing_a_50000_finding_verdict()
    {
        var store = new HeldReads(new InMemoryFindingStore());
        await using var host = await ApiHost.StartAsync(b => b.Services.AddSingleton<IFindingStore>(store));
        var http = host.Http;
        var id = (await ApiHost.PostJsonAsync(http, "/api/v1/scans", new
        {
            scan_type = "network_discovery", target = "127.0.0.1:9", scanners = Array.Empty<string>(), expected_uploads = 1, fail_on_severity = "critical",
        })).GetProperty("id").GetString()!;
        var scan = await http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}");
        var orgId = (await host.Services.GetRequiredService<IClusterClient>().GetGrain<IScanGrain>(id).Get())!.Request.OrgId;
        const int Count = 50_000;
        for (var batch = 0; batch < Count / 5000; batch++)
            await store.AddAsync(id, Enumerable.Range(batch * 5000, 5000).Select(i => new Finding
            {
                Id = $"fnd_{id}_{i}", ScanId = id, OrgId = orgId, Scanner = "sarif-import", Category = "sast", RuleId = "R" + (i % 50),
                Title = $"finding {i}", Severity = (Severity)(i % 5), Fingerprint = $"fp-{i}", Location = new FindingLocation { File = $"src/f{i}.c", Line = i },
            }).ToList());

        // The upload that completes the scan: its finish then reads the findings, and this store holds that read.
        store.HoldScan = id;
        var sarif = """{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"lint","rules":[]}},"results":[]}]}""";
        var upload = http.PostAsync($"/api/v1/scans/{id}/uploads?format=sarif&tool=lint", new StringContent(sarif, Encoding.UTF8, "application/json"));
        await store.Entered.WaitAsync(TimeSpan.FromMinutes(1));

        // Finishing is under way and held: the grain still answers a status read.
        var grain = host.Services.GetRequiredService<IClusterClient>().GetGrain<IScanGrain>(id);
        var during = await grain.Get().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(during);
        Assert.False(during.Status.IsTerminal(), "a scan reads as ended only together with its verdict");
        Assert.Null(during.GatePassed);
        Assert.False(upload.IsCompleted, "the upload that completes the scan answers once the scan has finished");

        store.Release();
        using (var answered = await upload) Assert.Equal(HttpStatusCode.Created, answered.StatusCode);
        var done = (await grain.Get())!;
        Assert.Equal(ScanStatus.Completed, done.Status);
        Assert.Equal(Count, done.Counts.Total);
        Assert.False(done.GatePassed); // a fifth of the findings are critical
        Assert.Equal(Count / 5, done.Counts.Critical);
        // The reports were written from the one read of the findings: each holds all of them.
        var artifacts = (await http.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}/artifacts")).GetProperty("items").EnumerateArray()
            .Select(a => a.GetProperty("name").GetString()).ToList();
        Assert.Contains("report.sarif", artifacts);
        Assert.Contains("report.html", artifacts);
        var csv = await http.GetStringAsync($"/api/v1/scans/{id}/artifacts/csv");
        Assert.Equal(Count + 1, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // a header and one line per finding
    }

    [Fact]
    public async Task A_callback_delivery_left_half_done_by_a_lost_silo_goes_on_from_its_stored_state()
    {
        await using var cluster = await ScanCluster.StartAsync(configureSilo: silo =>
            silo.Services.PostConfigure<CallbackOptions>(o => o.AllowPrivateAddresses = true)); // the receiver is on 127.0.0.1
        var port = Net.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = listener.GetContextAsync();

        // The state a delivery leaves when its silo dies after two refused attempts.
        var scanId = "scn_callback_" + Guid.NewGuid().ToString("N")[..12];
        var delivery = cluster.Client.GetGrain<ICallbackDeliveryGrain>(scanId);
        var storage = cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>("state");
        await storage.WriteStateAsync("callback", delivery.GetGrainId(), new GrainState<CallbackDeliveryState>(new CallbackDeliveryState
        {
            Request = new CallbackRequest { ScanId = scanId, OrgId = ScanCluster.OrgId, Url = $"http://127.0.0.1:{port}/hook", Body = "{\"event\":\"scan.finished\"}"u8.ToArray() },
            Attempts = 2, LastError = "HTTP 503", FirstAttemptAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        }));

        // Its reminder activates the grain again on a live silo (here: any call does); delivery goes on with attempt 3.
        Assert.Equal(2, (await delivery.State()).Attempts);
        var context = await received.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal($"{scanId}:3", context.Request.Headers["X-ScanGate-Delivery"]);
        context.Response.StatusCode = 204;
        context.Response.Close();
        await Eventually.UntilAsync(async () => (await delivery.State()).Delivered, TimeSpan.FromSeconds(30), "the resumed delivery was not recorded as delivered");
        Assert.Equal(3, (await delivery.State()).Attempts);
    }
}
