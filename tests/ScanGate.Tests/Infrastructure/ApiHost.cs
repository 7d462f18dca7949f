using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScanGate.Api.Auth;
using ScanGate.Silo;

namespace ScanGate.Tests.Infrastructure;

/// <summary>The embedded deployment (silo + API) on a real Kestrel bound to 127.0.0.1, in this process,
/// bootstrapped with a platform-administrator key the test knows.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    public Uri BaseAddress { get; }
    /// <summary>A client that sends the platform administrator's key.</summary>
    public HttpClient Http { get; }
    public string AdminKey { get; }
    public LogCapture Logs { get; }
    public IServiceProvider Services => _app.Services;

    private ApiHost(WebApplication app, Uri baseAddress, string adminKey, LogCapture logs)
    {
        _app = app;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        Logs = logs;
        Http = ClientFor(adminKey);
    }

    public static async Task<ApiHost> StartAsync(params string[] extraArgs) => await StartAsync(null, extraArgs);

    public static Task<ApiHost> StartAsync(Action<WebApplicationBuilder>? configure, params string[] extraArgs) =>
        StartWithKeyAsync(ApiKeys.NewKey(), configure, extraArgs);

    /// <summary>Starts a host whose platform administrator uses <paramref name="adminKey"/> (on durable storage,
    /// the key a first start bootstrapped).</summary>
    public static async Task<ApiHost> StartWithKeyAsync(string adminKey, Action<WebApplicationBuilder>? configure, params string[] extraArgs)
    {
        var port = Net.FreePort();
        var url = $"http://127.0.0.1:{port}";
        string[] args =
        [
            "--urls", url,
            "--ScanGate:Orleans:SiloPort", Net.FreePort().ToString(),
            "--ScanGate:Orleans:GatewayPort", Net.FreePort().ToString(),
            "--ScanGate:Orleans:ClusterId", "test-" + Guid.NewGuid().ToString("N")[..8],
            "--ScanGate:Auth:BootstrapKey", adminKey,
            "--Logging:LogLevel:Default", "Warning",
            .. extraArgs,
        ];
        var builder = ScanGateHost.CreateBuilder(args);
        var logs = new LogCapture();
        builder.Logging.AddProvider(logs);
        configure?.Invoke(builder);
        var app = ScanGateHost.Build(builder);
        await app.StartAsync();
        return new ApiHost(app, new Uri(url), adminKey, logs);
    }

    public HttpClient ClientFor(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    /// <summary>A new organisation with an admin, and a key for each role, made through the API.</summary>
    public async Task<Tenant> CreateTenantAsync(string name, int monthlyQuota = 1000, int maxConcurrent = 4)
    {
        var org = await PostJsonAsync(Http, "/api/v1/orgs", new { name, admin_email = $"admin@{name.ToLowerInvariant()}.test", monthly_scan_quota = monthlyQuota, max_concurrent_scans = maxConcurrent });
        var orgId = org.GetProperty("id").GetString()!;
        var adminMember = org.GetProperty("admin").GetProperty("id").GetString()!;
        var adminKey = (await PostJsonAsync(Http, "/api/v1/apikeys", new { name = "admin", preset = "admin", org_id = orgId, member_id = adminMember }))
            .GetProperty("key").GetString()!;
        using var admin = ClientFor(adminKey);
        var keys = new Dictionary<string, string> { ["admin"] = adminKey };
        var members = new Dictionary<string, string> { ["admin"] = adminMember };
        foreach (var role in new[] { "developer", "viewer" })
        {
            var member = (await PostJsonAsync(admin, $"/api/v1/orgs/{orgId}/members", new { email = $"{role}@{name.ToLowerInvariant()}.test", role }))
                .GetProperty("id").GetString()!;
            members[role] = member;
            var scopes = role == "developer"
                ? new[] { "scans:trigger", "scans:read", "scans:manage", "findings:read", "findings:write" }
                : new[] { "scans:read", "findings:read" };
            keys[role] = (await PostJsonAsync(admin, "/api/v1/apikeys", new { name = role, scopes, member_id = member })).GetProperty("key").GetString()!;
        }
        return new Tenant(orgId, keys, members);
    }

    public static async Task<JsonElement> PostJsonAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record Tenant(string OrgId, IReadOnlyDictionary<string, string> Keys, IReadOnlyDictionary<string, string> Members);

/// <summary>Every log line the host writes, to check that no secret is ever logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly List<string> _lines = [];
    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines) owner._lines.Add($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
