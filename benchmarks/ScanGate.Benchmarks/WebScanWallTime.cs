using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ScanGate.Silo;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Benchmarks;

/// <summary>
/// Wall time of a web_vulnerability scan (its defaults that run here: sqlmap and ffuf) and of a
/// lightweight_comprehensive scan (security headers, WhatWeb, ffuf, nmap), each with its default profile, against
/// the loopback test site (<see cref="InjectableShop"/>: an injectable parameter over SQLite, .git/HEAD and
/// backup.zip in its root), timed from POST /api/v1/scans to the finished Server-Sent Event, through one embedded
/// silo with the real scanner images.
/// </summary>
public static class WebScanWallTime
{
    public static async Task RunAsync(int runs)
    {
        await using var shop = await InjectableShop.StartAsync();
        var (host, baseUrl, adminKey) = EmbeddedHost.Create();
        await using var app = ScanGateHost.Build(host);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(20) };
        http.DefaultRequestHeaders.Add("X-API-Key", adminKey);

        foreach (var type in new[] { "web_vulnerability", "lightweight_comprehensive" })
        {
            var times = new List<double>();
            string? scanners = null;
            for (var i = 0; i < runs + 1; i++)
            {
                var (ms, ran) = await TimeScanAsync(http, type, shop.Url("/"));
                scanners = ran;
                if (i > 0) times.Add(ms); // the first run warms up the JIT, the grains and the images' page cache
            }
            Console.WriteLine($"{type} against {shop.Url("/")} ({scanners}), {runs} runs after one warm-up:");
            Console.WriteLine($"  wall time median {Median(times) / 1000:F1} s, min {times.Min() / 1000:F1} s, max {times.Max() / 1000:F1} s");
        }
        await app.StopAsync();
    }

    private static async Task<(double Ms, string Scanners)> TimeScanAsync(HttpClient http, string type, string target)
    {
        var sw = Stopwatch.StartNew();
        using var created = await http.PostAsync("/api/v1/scans",
            new StringContent(JsonSerializer.Serialize(new { scan_type = type, target, fail_on_severity = "none" }), Encoding.UTF8, "application/json"));
        if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"{type}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        using var events = await http.GetAsync($"/api/v1/scans/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line != "event: finished") continue;
            var elapsed = sw.Elapsed.TotalMilliseconds;
            var scan = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/scans/{id}")).RootElement;
            if (scan.GetProperty("status").GetString() != "completed") throw new InvalidOperationException($"scan {id} did not complete: {scan}");
            var ran = string.Join(", ", scan.GetProperty("scanners").EnumerateArray()
                .Select(s => $"{s.GetProperty("name").GetString()} {s.GetProperty("status").GetString()}"
                    + (s.GetProperty("status").GetString() == "completed" ? $" {s.GetProperty("counts").EnumerateObject().Sum(c => c.Value.GetInt32())} findings" : "")));
            return (elapsed, ran);
        }
        throw new InvalidOperationException($"scan {id}: the event stream ended without a finished event");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
