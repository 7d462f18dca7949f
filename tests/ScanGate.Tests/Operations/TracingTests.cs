using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using ScanGate.Contracts;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Operations;

/// <summary>
/// One real nmap scan, started over HTTP on the embedded deployment, with OpenTelemetry's in-memory exporter added
/// to the host's tracer provider: its spans form one trace from the HTTP request through the scan and run grains
/// (Orleans' activity propagation) to the container operations and the finding store, and the scan's log lines
/// carry that trace id and the scan id.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task One_scan_is_one_trace_from_the_http_request_to_the_containers_and_the_store_and_its_logs_name_it()
    {
        var spans = new List<Activity>();
        var logs = new ScopeCapture();
        await using var host = await ApiHost.StartAsync(b =>
        {
            b.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
            b.Logging.AddProvider(logs);
        }, "--ScanGate:Telemetry:Tracing", "true", "--Logging:LogLevel:ScanGate", "Information");

        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;
        var id = (await ApiHost.PostJsonAsync(host.Http, "/api/v1/scans", new { scan_type = "network_discovery", target = $"127.0.0.1:{port}", scan_profile = "port_scan" }))
            .GetProperty("id").GetString()!;
        var scan = await Scans.WaitForEndAsync(host.Http, id, TimeSpan.FromMinutes(3));
        Assert.Equal("completed", scan.GetProperty("status").GetString());
        Assert.True(Scans.TotalFindings(scan) > 0, "the open port should be a finding");

        // The container's removal is the run's last step and may end just after the scan's status turns completed.
        var all = await Eventually(() => Snapshot(spans), s => s.Any(a => a.DisplayName == "container.remove" && Tag(a, ScanGateTelemetry.Tags.ScanId) == id));
        var request = Assert.Single(all, a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server
            && a.GetTagItem("http.request.method") as string == "POST" && a.GetTagItem("http.route") as string == "/api/v1/scans");
        var trace = all.Where(a => a.TraceId == request.TraceId).ToList();
        string Describe() => string.Join("\n", all.Select(a => $"{a.TraceId} {a.Source.Name} {a.DisplayName} {Tag(a, ScanGateTelemetry.Tags.ScanId)}"));

        Assert.True(trace.Any(a => a.Source.Name.StartsWith("Microsoft.Orleans") && a.DisplayName.Contains("Admission")), "no admission call in the request's trace:\n" + Describe());
        Assert.True(trace.Any(a => a.Source.Name.StartsWith("Microsoft.Orleans") && a.DisplayName.Contains("IScanGrain")), "no scan-grain call in the request's trace:\n" + Describe());
        Assert.True(trace.Any(a => a.Source.Name.StartsWith("Microsoft.Orleans") && a.DisplayName.Contains("IScannerRunGrain")), "no run-grain call in the request's trace:\n" + Describe());
        foreach (var operation in new[] { "container.create", "container.start", "container.wait", "container.read_file", "container.remove", "findings.store" })
            Assert.True(trace.Any(a => a.Source.Name == ScanGateTelemetry.Name && a.DisplayName == operation && Tag(a, ScanGateTelemetry.Tags.ScanId) == id),
                $"no {operation} span of {id} in the request's trace:\n" + Describe());
        // And the chain is a chain: the container's creation descends from the HTTP request.
        var create = trace.First(a => a.DisplayName == "container.create");
        Assert.True(Ancestors(create, all).Any(a => a.SpanId == request.SpanId), "container.create does not descend from the request:\n" + Describe());
        Assert.True(Ancestors(create, all).Any(a => a.DisplayName.Contains("IScannerRunGrain")), "container.create does not descend from a run-grain call:\n" + Describe());

        var ended = Assert.Single(logs.Lines, l => l.Message.Contains($"Scan {id} ended"));
        Assert.Equal(request.TraceId.ToString(), ended.Scope("TraceId"));
        Assert.Equal(id, ended.Scope(ScanGateTelemetry.Tags.ScanId));
    }

    private static string? Tag(Activity a, string name) => a.GetTagItem(name) as string;

    private static List<Activity> Snapshot(List<Activity> spans) { lock (spans) return spans.ToList(); }

    private static IEnumerable<Activity> Ancestors(Activity span, IReadOnlyList<Activity> all)
    {
        var byId = all.GroupBy(a => a.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
            yield return next;
    }

    private static async Task<List<Activity>> Eventually(Func<List<Activity>> read, Func<List<Activity>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var value = read();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(100);
        }
    }
}

/// <summary>Log lines with the values of the scopes they were written in (trace ids, scan ids).</summary>
public sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
{
    public sealed record Line(string Category, string Message, IReadOnlyList<KeyValuePair<string, object?>> Scopes)
    {
        public string? Scope(string key) => Scopes.LastOrDefault(s => s.Key == key).Value?.ToString();
    }

    private readonly List<Line> _lines = [];
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    public IReadOnlyList<Line> Lines { get { lock (_lines) return _lines.ToList(); } }
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    private sealed class Logger(ScopeCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<KeyValuePair<string, object?>>();
            owner._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs) list.AddRange(pairs);
                else if (scope is IEnumerable<KeyValuePair<string, object>> objects) list.AddRange(objects.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)));
            }, scopes);
            lock (owner._lines) owner._lines.Add(new Line(category, formatter(state, exception), scopes));
        }
    }
}

public static class Scans
{
    public static int TotalFindings(JsonElement scan) => scan.GetProperty("counts").EnumerateObject().Sum(p => p.Value.GetInt32());

    public static async Task<JsonElement> WaitForEndAsync(HttpClient http, string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var scan = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/scans/{id}")).RootElement.Clone();
            if (scan.GetProperty("status").GetString() is "completed" or "failed" or "stopped" or "cancelled") return scan;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(scan.ToString());
            await Task.Delay(250);
        }
    }

    public static async Task<JsonElement> WaitForStatusAsync(HttpClient http, string id, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var scan = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/scans/{id}")).RootElement.Clone();
            if (scan.GetProperty("status").GetString() == status) return scan;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{id} never became {status}: {scan}");
            await Task.Delay(100);
        }
    }
}
