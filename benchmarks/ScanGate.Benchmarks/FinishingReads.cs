using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Silo;
using ScanGate.Storage;

namespace ScanGate.Benchmarks;

/// <summary>
/// Status reads of a scan while it finishes: a scan holding many findings is completed by an upload, and while its
/// verdict and reports are made, status reads go to its grain (as an API-only node's do) without pause. Prints the
/// finishing time and the reads' latency during it.
/// </summary>
public static class FinishingReads
{
    public static async Task RunAsync(int findings)
    {
        var (builder, baseUrl, adminKey) = EmbeddedHost.Create();
        await using var app = ScanGateHost.Build(builder);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Add("X-API-Key", adminKey);

        using var created = await http.PostAsync("/api/v1/scans", new StringContent(
            """{"scan_type":"network_discovery","target":"127.0.0.1:9","scanners":[],"expected_uploads":1}""", Encoding.UTF8, "application/json"));
        created.EnsureSuccessStatusCode();
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var grain = app.Services.GetRequiredService<IClusterClient>().GetGrain<IScanGrain>(id);
        var orgId = (await grain.Get())!.Request.OrgId;
        var store = app.Services.GetRequiredService<IFindingStore>();
        for (var start = 0; start < findings; start += 5000)
            await store.AddAsync(id, Enumerable.Range(start, Math.Min(5000, findings - start)).Select(i => new Finding
            {
                Id = $"fnd_{id}_{i}", ScanId = id, OrgId = orgId, Scanner = "sarif-import", Category = "sast", RuleId = "R" + (i % 50),
                Title = $"finding {i}", Severity = (Severity)(i % 5), Fingerprint = $"fp-{i}", Location = new FindingLocation { File = $"src/f{i}.c", Line = i },
            }).ToList());

        var latencies = new List<double>();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sw = Stopwatch.StartNew();
                await grain.Get();
                latencies.Add(sw.Elapsed.TotalMilliseconds);
            }
        });
        var finish = Stopwatch.StartNew();
        var sarif = """{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"lint","rules":[]}},"results":[]}]}""";
        using (var upload = await http.PostAsync($"/api/v1/scans/{id}/uploads?format=sarif&tool=lint", new StringContent(sarif, Encoding.UTF8, "application/json")))
            upload.EnsureSuccessStatusCode();
        var finishing = finish.Elapsed.TotalMilliseconds;
        stop.Cancel();
        await reader;
        var done = (await grain.Get())!;
        var sorted = latencies.Order().ToList();
        Console.WriteLine($"a scan of {findings} findings finished ({done.Status.Word()}, {done.Counts.Total} counted) in {finishing:F0} ms");
        Console.WriteLine($"  {sorted.Count} status reads of its grain meanwhile: p50 {P(sorted, 0.5):F2} ms, p99 {P(sorted, 0.99):F2} ms, max {sorted[^1]:F1} ms");
        await app.StopAsync();
    }

    private static double P(List<double> sorted, double p)
    {
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
