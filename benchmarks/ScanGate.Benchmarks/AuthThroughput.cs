using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using ScanGate.Silo;

namespace ScanGate.Benchmarks;

/// <summary>
/// Throughput of an authenticated GET /api/v1/scans/{id} (key hashed, key grain: expiry, role, rate limit;
/// scan grain: tenant check and snapshot) against the unauthenticated GET /healthz of the same server,
/// both driven by wrk with the same settings in the same run.
/// </summary>
public static partial class AuthThroughput
{
    public static async Task RunAsync(int seconds)
    {
        var (builder, baseUrl, adminKey) = EmbeddedHost.Create();
        await using var app = ScanGateHost.Build(builder);
        await app.StartAsync();
        using var admin = new HttpClient { BaseAddress = new Uri(baseUrl) };
        admin.DefaultRequestHeaders.Add("X-API-Key", adminKey);

        // A CI key with room for the load, and one finished scan to read (in-process scanner: no Docker needed).
        var key = (await Post(admin, "/api/v1/apikeys", new { name = "bench", preset = "ci-basic", rate_limit_per_minute = 1_000_000 })).GetProperty("key").GetString()!;
        var scanId = (await Post(admin, "/api/v1/scans", new { scan_type = "security_headers", target = $"{baseUrl}/healthz" })).GetProperty("id").GetString()!;
        while ((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{scanId}")).GetProperty("status").GetString() is "queued" or "running")
            await Task.Delay(100);

        await Wrk(baseUrl + "/healthz", null, 3); // warm-up
        await Wrk($"{baseUrl}/api/v1/scans/{scanId}", key, 3);
        var trivial = await Wrk(baseUrl + "/healthz", null, seconds);
        var authed = await Wrk($"{baseUrl}/api/v1/scans/{scanId}", key, seconds);
        Console.WriteLine($"throughput with wrk -t2 -c32 -d{seconds}s against one embedded silo");
        Console.WriteLine($"  GET /healthz (no authentication):        {trivial.Rps,10:F0} req/s, p50 {trivial.P50} , p99 {trivial.P99}");
        Console.WriteLine($"  GET /api/v1/scans/{{id}} (X-API-Key):      {authed.Rps,10:F0} req/s, p50 {authed.P50} , p99 {authed.P99}");
        Console.WriteLine($"  ratio authenticated / trivial: {authed.Rps / trivial.Rps:F2} (target: at least 0.60)");
        await app.StopAsync();
    }

    private sealed record WrkResult(double Rps, string P50, string P99);

    private static async Task<WrkResult> Wrk(string url, string? key, int seconds)
    {
        var psi = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-t2", "-c32", $"-d{seconds}s", "--latency" }) psi.ArgumentList.Add(a);
        if (key is not null) { psi.ArgumentList.Add("-H"); psi.ArgumentList.Add($"X-API-Key: {key}"); }
        psi.ArgumentList.Add(url);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("wrk is needed: apt-get install wrk");
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (output.Contains("Non-2xx", StringComparison.Ordinal)) throw new InvalidOperationException($"wrk saw errors against {url}:\n{output}");
        var rps = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        return new WrkResult(rps, Latency(output, "50%"), Latency(output, "99%"));
    }

    private static string Latency(string output, string pct) =>
        Regex.Match(output, $@"^\s+{Regex.Escape(pct)}\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    private static async Task<JsonElement> Post(HttpClient client, string path, object body)
    {
        using var r = await client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)r.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
