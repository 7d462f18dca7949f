using System.Net.Http.Headers;
using System.Text.Json;
using ScanGate.Tests.Api;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary>One built ScanGate process for a class of compatibility tests, with a tenant to work in, and the
/// pipeline scripts of tests/compat/ to run against it.</summary>
public class CompatProcess : IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string> _settings;

    public ScanGateProcess Process { get; private set; } = null!;
    public string AdminKey { get; } = ScanGate.Application.ApiKeys.NewKey();
    public HttpClient Admin { get; private set; } = null!;

    public CompatProcess() : this(new Dictionary<string, string>()) { }

    /// <summary>A process started with extra <paramref name="settings"/> (environment variables, ScanGate__…).</summary>
    protected CompatProcess(IReadOnlyDictionary<string, string> settings) => _settings = settings;

    /// <summary>Scanner containers carry it as a label; what is still running when the tests end is removed with it.</summary>
    public string ClusterId { get; } = "compat-" + Guid.NewGuid().ToString("N")[..8];

    public virtual async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>(_settings)
        {
            ["ScanGate__Orleans__ClusterId"] = ClusterId,
            ["ScanGate__Auth__BootstrapKey"] = AdminKey,
        };
        Process = ScanGateProcess.Start(SiloAssembly.Path(), "compat", settings);
        await Process.WaitHealthyAsync(TimeSpan.FromSeconds(90));
        Admin = Client(AdminKey);
    }

    public async Task DisposeAsync()
    {
        await Process.DisposeAsync();
        // Scans the tests left running die with the process; their containers are this fixture's to remove.
        foreach (var container in await DockerCli.ContainersWithLabelAsync(ScanGate.Runtime.ContainerLabels.Cluster, ClusterId))
            await Proc.RunAsync("docker", "rm", "-f", container);
    }

    public HttpClient Client(string? key, string header = "X-API-Key")
    {
        var http = new HttpClient { BaseAddress = Process.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            if (header == "Bearer") http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            else http.DefaultRequestHeaders.Add(header, key);
        }
        return http;
    }

    /// <summary>A new organisation and a key of it with <paramref name="preset"/> (or <paramref name="scopes"/>).</summary>
    public async Task<(string OrgId, string Key, string KeyId)> TenantAsync(string name, string? preset = "ci-basic", string[]? scopes = null,
        int monthlyQuota = 1000, int ratePerMinute = 600, string role = "admin")
    {
        var org = await ApiHost.PostJsonAsync(Admin, "/api/v1/orgs", new { name, admin_email = $"admin@{name}.test", monthly_scan_quota = monthlyQuota, max_concurrent_scans = 8 });
        var orgId = org.GetProperty("id").GetString()!;
        var member = org.GetProperty("admin").GetProperty("id").GetString()!;
        if (role != "admin")
            member = (await ApiHost.PostJsonAsync(Admin, $"/api/v1/orgs/{orgId}/members", new { email = $"{role}@{name}.test", role })).GetProperty("id").GetString()!;
        object body = scopes is null
            ? new { name = "ci", preset, org_id = orgId, member_id = member, rate_limit_per_minute = ratePerMinute }
            : new { name = "ci", scopes, org_id = orgId, member_id = member, rate_limit_per_minute = ratePerMinute };
        var created = await ApiHost.PostJsonAsync(Admin, "/api/v1/apikeys", body);
        return (orgId, created.GetProperty("key").GetString()!, created.GetProperty("id").GetString()!);
    }

    /// <summary>Runs tests/compat/<paramref name="script"/> with bash, the environment given, and returns its exit code and output.</summary>
    public static Task<(int Code, string Output)> RunScriptAsync(string script, IReadOnlyDictionary<string, string> environment) =>
        RunBashAsync([Path.Combine(RepositoryRoot(), "tests", "compat", script)], environment);

    /// <summary>Runs bash with <paramref name="arguments"/> (a script, or -c and a command) in <paramref name="workingDirectory"/>;
    /// its exit code and output (stdout, then stderr).</summary>
    public static async Task<(int Code, string Output)> RunBashAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment,
        string? workingDirectory = null)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("no ScanGate.sln above " + AppContext.BaseDirectory);
    }

    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
