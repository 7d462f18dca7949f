using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Application.Live;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Silo;

namespace ScanGate.Benchmarks;

/// <summary>
/// Live-event fan-out on one node: many SSE clients watch a few running scans; the scans are paused and resumed in
/// rounds, and each client measures how long a status event took from the scan grain (the event's time) to it.
/// Also: what an idle SSE client costs the node, and how many stream subscriptions the node holds.
/// </summary>
public static class SseFanOut
{
    public static async Task RunAsync(int clients, int scans, int rounds)
    {
        var (builder, baseUrl, adminKey) = EmbeddedHost.Create(
            "--ScanGate:Admission:MaxConcurrentScans", (scans + 4).ToString(),
            "--ScanGate:Silo:ContainerSlots", (scans + 4).ToString(),
            "--ScanGate:Api:SseHeartbeatSeconds", "15");
        builder.Services.AddSingleton<IScannerAdapter, SleepScanner>();
        builder.Services.AddSingleton(SleepScanner.Type);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxConcurrentConnections = clients + 100);
        await using var app = ScanGateHost.Build(builder);
        await app.StartAsync();
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients + 50, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Add("X-API-Key", adminKey);

        var orgs = JsonDocument.Parse(await http.GetStringAsync("/api/v1/orgs")).RootElement.GetProperty("items");
        var orgId = orgs[0].GetProperty("id").GetString()!;
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IOrganizationGrain>(orgId).SetLimits(new OrgLimits { MonthlyScanQuota = 100_000, MaxConcurrentScans = scans + 4 });

        var ids = new List<string>();
        for (var i = 0; i < scans; i++)
        {
            using var created = await http.PostAsync("/api/v1/scans",
                new StringContent($$"""{"scan_type":"{{SleepScanner.ScanType}}","target":"127.0.0.1"}""", Encoding.UTF8, "application/json"));
            created.EnsureSuccessStatusCode();
            ids.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        }
        foreach (var id in ids) await WaitForRunningAsync(http, id);

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var before = GC.GetTotalMemory(true);
        var rssBefore = Process.GetCurrentProcess().WorkingSet64;
        var hub = app.Services.GetRequiredService<ScanEventHub>();

        using var stop = new CancellationTokenSource();
        var delays = new List<double>();
        var connected = new CountdownEvent(clients);
        var readers = Enumerable.Range(0, clients).Select(i => Task.Run(() => FollowAsync(http, ids[i % ids.Count], connected, delays, stop.Token))).ToArray();
        if (!connected.Wait(TimeSpan.FromMinutes(3))) throw new TimeoutException($"only {clients - connected.CurrentCount} of {clients} clients got their snapshot");
        await Task.Delay(2000); // idle: snapshots read, nothing moving
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var idle = GC.GetTotalMemory(true);
        var rssIdle = Process.GetCurrentProcess().WorkingSet64;
        Console.WriteLine($"{clients} SSE clients on {scans} scans: the node holds {hub.Feeds} stream subscriptions for {hub.Watchers} watchers");
        Console.WriteLine($"  managed heap per idle client: {(idle - before) / (double)clients / 1024:F1} KiB (the clients' side is in this process too)");
        Console.WriteLine($"  resident memory per idle client: {(rssIdle - rssBefore) / (double)clients / 1024:F1} KiB");

        for (var round = 0; round < rounds; round++)
        {
            foreach (var id in ids) (await http.PostAsync($"/api/v1/scans/{id}/pause", null)).EnsureSuccessStatusCode();
            await Task.Delay(500);
            foreach (var id in ids) (await http.PostAsync($"/api/v1/scans/{id}/resume", null)).EnsureSuccessStatusCode();
            await Task.Delay(500);
        }
        var expected = clients * rounds * 2;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline) { lock (delays) if (delays.Count >= expected) break; await Task.Delay(100); }
        stop.Cancel();
        foreach (var id in ids) await http.PostAsync($"/api/v1/scans/{id}/cancel", null);
        List<double> all;
        lock (delays) all = delays.Order().ToList();
        Console.WriteLine($"  status events delivered: {all.Count} of {expected} ({rounds} pause/resume rounds)");
        Console.WriteLine($"  delay from event to client: p50 {Percentile(all, 0.5):F0} ms, p99 {Percentile(all, 0.99):F0} ms, max {all[^1]:F0} ms (target p99 < 500 ms)");
        await app.StopAsync();
    }

    private static async Task WaitForRunningAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var scan = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/scans/{id}")).RootElement;
            if (scan.GetProperty("scanners")[0].GetProperty("phase").GetString() == "running") return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"scan {id} never ran");
    }

    private static async Task FollowAsync(HttpClient http, string id, CountdownEvent connected, List<double> delays, CancellationToken stop)
    {
        try
        {
            using var response = await http.GetAsync($"/api/v1/scans/{id}/events", HttpCompletionOption.ResponseHeadersRead, stop);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
            string? eventName = null;
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) eventName = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    var received = DateTimeOffset.UtcNow;
                    if (eventName == "snapshot") connected.Signal();
                    else if (eventName == "status")
                    {
                        var at = JsonDocument.Parse(line[6..]).RootElement.GetProperty("at").GetDateTimeOffset();
                        lock (delays) delays.Add((received - at).TotalMilliseconds);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    private static double Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}

/// <summary>A scanner whose container sleeps: a scan that stays running, to be watched, paused and resumed.</summary>
public sealed class SleepScanner : IContainerScanner
{
    public const string ScanType = "bench_sleep";
    public static readonly ScanTypeDefinition Type = new(ScanType, "Benchmark only: a container that sleeps.", TargetKind.Host,
        [new ScanProfile("standard", "sleep for ten minutes")], "standard");

    public string Name => "sleep";
    public string Description => "Sleeps in the base image.";
    public TargetKind TargetKind => TargetKind.Host;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new(ScanType)];
    public string DefaultImage => NoopScanner.Image;

    public ContainerPlan Plan(RunSpec spec) => new() { Arguments = ["sleep", "600"], ReportPath = "/out/report.json" };
    public IProgressParser NewProgressParser(RunSpec spec) => new None();

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }

    private sealed class None : IProgressParser { public ProgressUpdate? Parse(string line) => null; }
}
