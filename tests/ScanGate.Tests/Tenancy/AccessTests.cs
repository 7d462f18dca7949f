using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Tenancy;

/// <summary>Roles, scopes, tenant isolation, key life cycle and rate limits, over real HTTP.</summary>
public sealed class AccessTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private ApiHost _host = null!;
    private Tenant _a = null!;
    private Tenant _b = null!;
    private TcpListener _open = null!;

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync(b => b.Services.AddSingleton<Clock>(_clock));
        _a = await _host.CreateTenantAsync("Acme");
        _b = await _host.CreateTenantAsync("Blue");
        _open = new TcpListener(IPAddress.Loopback, 0);
        _open.Start();
    }

    public async Task DisposeAsync()
    {
        _open.Stop();
        await _host.DisposeAsync();
    }

    private int OpenPort => ((IPEndPoint)_open.LocalEndpoint).Port;

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return await client.SendAsync(request);
    }

    private async Task<string> CompletedScanOf(Tenant tenant)
    {
        using var dev = _host.ClientFor(tenant.Keys["developer"]);
        var created = await ApiHost.PostJsonAsync(dev, "/api/v1/scans", new { scan_type = "network_discovery", target = $"127.0.0.1:{OpenPort}", project = (string?)null });
        var id = created.GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await dev.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}")).GetProperty("status").GetString() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(200);
        }
        return id;
    }

    [Fact]
    public async Task Each_role_may_do_what_it_is_allowed_and_gets_403_naming_the_scope_otherwise()
    {
        var scanId = await CompletedScanOf(_a);
        var findingId = (await _host.ClientFor(_a.Keys["viewer"]).GetFromJsonAsync<JsonElement>($"/api/v1/scans/{scanId}/findings"))
            .GetProperty("items")[0].GetProperty("id").GetString();
        var target = $"127.0.0.1:{OpenPort}";
        // (what, method, path, body, scope it needs, roles allowed)
        var matrix = new (string What, HttpMethod Method, string Path, object? Body, string Scope, string[] Allowed)[]
        {
            ("trigger a scan", HttpMethod.Post, "/api/v1/scans", new { scan_type = "network_discovery", target }, "scans:trigger", ["developer", "admin"]),
            ("list scans", HttpMethod.Get, "/api/v1/scans", null, "scans:read", ["viewer", "developer", "admin"]),
            ("read a scan", HttpMethod.Get, $"/api/v1/scans/{scanId}", null, "scans:read", ["viewer", "developer", "admin"]),
            ("manage a scan", HttpMethod.Post, $"/api/v1/scans/{scanId}/pause", null, "scans:manage", ["developer", "admin"]),
            ("read findings", HttpMethod.Get, "/api/v1/findings", null, "findings:read", ["viewer", "developer", "admin"]),
            ("triage a finding", HttpMethod.Patch, $"/api/v1/findings/{findingId}", new { status = "in_progress" }, "findings:write", ["developer", "admin"]),
            ("create a project", HttpMethod.Post, "/api/v1/projects", new { name = "Role matrix " + Guid.NewGuid().ToString("N")[..6] }, "projects:manage", ["admin"]),
            ("list keys", HttpMethod.Get, "/api/v1/apikeys", null, "keys:manage", ["admin"]),
            ("list members", HttpMethod.Get, $"/api/v1/orgs/{_a.OrgId}/members", null, "keys:manage", ["admin"]),
            ("read the audit log", HttpMethod.Get, "/api/v1/audit-log", null, "audit:read", ["admin"]),
        };
        foreach (var role in new[] { "viewer", "developer", "admin" })
        {
            using var client = _host.ClientFor(_a.Keys[role]);
            foreach (var (what, method, path, body, scope, allowed) in matrix)
            {
                using var response = await Send(client, method, path, body);
                var status = (int)response.StatusCode;
                if (allowed.Contains(role))
                    Assert.True(status is >= 200 and < 300 || (what == "manage a scan" && status == 409), $"{role} should be able to {what}: {status} {await response.Content.ReadAsStringAsync()}");
                else
                {
                    Assert.True(status == 403, $"{role} should not be able to {what}: {status}");
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    Assert.Contains(scope, problem.GetProperty("detail").GetString());
                }
            }
            using var createOrg = await Send(client, HttpMethod.Post, "/api/v1/orgs", new { name = "Nope" });
            Assert.Equal(HttpStatusCode.Forbidden, createOrg.StatusCode); // platform administrators only
        }
    }

    [Fact]
    public async Task A_key_sees_nothing_of_another_organisation_404_never_403()
    {
        var scanId = await CompletedScanOf(_a);
        using var aAdmin = _host.ClientFor(_a.Keys["admin"]);
        var findingId = (await aAdmin.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{scanId}/findings")).GetProperty("items")[0].GetProperty("id").GetString();
        var project = (await aAdmin.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{scanId}")).GetProperty("project").GetString();
        var keyId = (await aAdmin.GetFromJsonAsync<JsonElement>("/api/v1/apikeys")).GetProperty("items")[0].GetProperty("id").GetString();

        using var b = _host.ClientFor(_b.Keys["admin"]);
        var probes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/scans/{scanId}", null),
            (HttpMethod.Get, $"/api/v1/scans/{scanId}/results", null),
            (HttpMethod.Get, $"/api/v1/scans/{scanId}/findings", null),
            (HttpMethod.Get, $"/api/v1/scans/{scanId}/events", null),
            (HttpMethod.Post, $"/api/v1/scans/{scanId}/cancel", null),
            (HttpMethod.Post, $"/api/v1/scans/{scanId}/rescan", null),
            (HttpMethod.Get, $"/api/v1/findings/{findingId}", null),
            (HttpMethod.Patch, $"/api/v1/findings/{findingId}", new { status = "false_positive" }),
            (HttpMethod.Get, $"/api/v1/projects/{project}", null),
            (HttpMethod.Patch, $"/api/v1/projects/{project}", new { name = "stolen" }),
            (HttpMethod.Delete, $"/api/v1/projects/{project}", null),
            (HttpMethod.Delete, $"/api/v1/apikeys/{keyId}", null),
            (HttpMethod.Get, $"/api/v1/orgs/{_a.OrgId}", null),
            (HttpMethod.Get, $"/api/v1/orgs/{_a.OrgId}/members", null),
            (HttpMethod.Get, $"/api/v1/apikeys?org_id={_a.OrgId}", null),
        };
        foreach (var (method, path, body) in probes)
        {
            using var response = await Send(b, method, path, body);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
        }
        using var bulk = await Send(b, HttpMethod.Post, "/api/v1/findings/bulk", new { ids = new[] { findingId }, status = "resolved" });
        Assert.Equal(0, (await bulk.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("updated").GetInt32());

        // Lists hold nothing of A's.
        var bText = string.Join("\n", await Task.WhenAll(
            b.GetStringAsync("/api/v1/scans"), b.GetStringAsync("/api/v1/findings?limit=500"), b.GetStringAsync("/api/v1/projects"),
            b.GetStringAsync("/api/v1/audit-log?limit=500"), b.GetStringAsync("/api/v1/apikeys"), b.GetStringAsync("/api/v1/orgs")));
        Assert.DoesNotContain(scanId, bText);
        Assert.DoesNotContain(findingId!, bText);
        Assert.DoesNotContain(_a.OrgId, bText);
        // A's finding stayed as it was.
        Assert.Equal("open", (await aAdmin.GetFromJsonAsync<JsonElement>($"/api/v1/findings/{findingId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Missing_unknown_malformed_expired_and_revoked_keys_get_one_generic_401()
    {
        using var admin = _host.ClientFor(_a.Keys["admin"]);
        var shortLived = (await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys", new { name = "short", preset = "ci-basic", expires_in_days = 1 })).GetProperty("key").GetString()!;
        var revoked = await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys", new { name = "revoked", preset = "ci-basic" });
        using var revokedClient = _host.ClientFor(revoked.GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.OK, (await revokedClient.GetAsync("/api/v1/scans")).StatusCode);
        using (var revoke = await admin.DeleteAsync($"/api/v1/apikeys/{revoked.GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using (var again = await admin.DeleteAsync($"/api/v1/apikeys/{revoked.GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        using var shortClient = _host.ClientFor(shortLived);
        Assert.Equal(HttpStatusCode.OK, (await shortClient.GetAsync("/api/v1/scans")).StatusCode);
        _clock.Offset = TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1);
        try
        {
            var details = new List<string>();
            foreach (var client in new[] { _host.ClientFor(null), _host.ClientFor("sgk_" + new string('A', 43)), _host.ClientFor("not-a-key"), shortClient, revokedClient })
            {
                using var response = await client.GetAsync("/api/v1/scans");
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                details.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!);
            }
            Assert.Single(details.Distinct()); // one message: nothing tells which keys exist
            using var bearer = new HttpClient { BaseAddress = _host.BaseAddress };
            bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _a.Keys["viewer"]);
            Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/v1/scans")).StatusCode);
        }
        finally { _clock.Offset = TimeSpan.Zero; }
    }

    [Fact]
    public async Task A_key_past_its_rate_limit_gets_429_with_retry_after_and_works_again_after_it()
    {
        using var admin = _host.ClientFor(_a.Keys["admin"]);
        var key = (await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys", new { name = "limited", preset = "ci-basic", rate_limit_per_minute = 6 })).GetProperty("key").GetString();
        using var client = _host.ClientFor(key);
        for (var i = 0; i < 6; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/scans")).StatusCode);
        using var limited = await client.GetAsync("/api/v1/scans");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 60);
        Assert.Contains("rate limit", (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        // Another key of the same organisation is not held back.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/scans")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(retryAfter + 1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/scans")).StatusCode);
    }

    [Fact]
    public async Task Key_creation_validates_and_never_exceeds_the_member()
    {
        using var admin = _host.ClientFor(_a.Keys["admin"]);
        async Task<(HttpStatusCode, string)> Create(HttpClient c, object body)
        {
            using var r = await Send(c, HttpMethod.Post, "/api/v1/apikeys", body);
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await Create(admin, new { name = "x", preset = "superuser" })).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await Create(admin, new { name = "x", scopes = new[] { "scans:destroy" } })).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await Create(admin, new { name = "x", preset = "ci-basic", expires_in_days = 366 })).Item1);
        var (status, text) = await Create(admin, new { name = "x", preset = "admin", member_id = _a.Members["viewer"] });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("role viewer does not allow", text);
        Assert.Equal(HttpStatusCode.Forbidden, (await Create(admin, new { name = "x", preset = "ci-basic", org_id = _b.OrgId })).Item1);

        var created = await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys", new { name = "ci", preset = "ci-full", environment = "staging" });
        Assert.StartsWith("sgk_", created.GetProperty("key").GetString());
        Assert.True(created.GetProperty("key").GetString()!.Length >= 4 + 43);
        Assert.Equal("staging", created.GetProperty("environment").GetString());
        var expires = created.GetProperty("expires_at").GetDateTimeOffset() - created.GetProperty("created_at").GetDateTimeOffset();
        Assert.Equal(90, (int)Math.Round(expires.TotalDays));

        // Removing a member revokes their keys.
        using var viewer = _host.ClientFor(_a.Keys["viewer"]);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/scans")).StatusCode);
        using (var removed = await admin.DeleteAsync($"/api/v1/orgs/{_a.OrgId}/members/{_a.Members["viewer"]}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.GetAsync("/api/v1/scans")).StatusCode);
    }
}

public sealed class ShiftedClock : Clock
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset UtcNow => DateTimeOffset.UtcNow + Offset;
}
