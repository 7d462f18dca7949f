using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using ScanGate.Api.Auth;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Tenancy;

public sealed class SecretAndSurfaceTests
{
    [Fact]
    public async Task After_creation_a_keys_secret_is_nowhere_in_stored_state_logs_or_responses()
    {
        RecordingGrainStorage? storage = null;
        await using var host = await ApiHost.StartAsync(b => b.Services.AddKeyedSingleton<IGrainStorage>("state",
            (sp, _) => storage ??= ActivatorUtilities.CreateInstance<RecordingGrainStorage>(sp)), "--Logging:LogLevel:Default", "Debug");
        var tenant = await host.CreateTenantAsync("Secrets");
        using var admin = host.ClientFor(tenant.Keys["admin"]);
        var created = await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys", new { name = "pipeline", preset = "ci-basic" });
        var secret = created.GetProperty("key").GetString()!;
        var keyId = created.GetProperty("id").GetString()!;

        using var ci = host.ClientFor(secret);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/scans")).StatusCode);
        using (var forbidden = await ci.GetAsync("/api/v1/audit-log")) Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using (var revoke = await admin.DeleteAsync($"/api/v1/apikeys/{keyId}")) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ci.GetAsync("/api/v1/scans")).StatusCode);

        var responses = string.Join("\n", await Task.WhenAll(
            admin.GetStringAsync("/api/v1/apikeys"), admin.GetStringAsync("/api/v1/audit-log?limit=500"),
            admin.GetStringAsync($"/api/v1/orgs/{tenant.OrgId}/members"), host.Http.GetStringAsync("/api/v1/audit-log?limit=500")));
        Assert.Contains(keyId, responses); // the key is listed and audited...
        Assert.Contains(created.GetProperty("prefix").GetString()!, responses);
        var everySecret = tenant.Keys.Values.Append(secret).Append(host.AdminKey).ToList();
        foreach (var s in everySecret)
        {
            Assert.DoesNotContain(s, responses); // ...but never its secret
            Assert.DoesNotContain(host.Logs.Lines, line => line.Contains(s, StringComparison.Ordinal));
            Assert.False(storage!.Contains(s), "a key's secret is in stored grain state");
        }
        Assert.True(storage!.Contains(ApiKeys.Hash(secret)), "the key's hash should be what is stored"); // the recording saw the keys
        Assert.True(host.Logs.Lines.Count > 10);
    }

    [Fact]
    public async Task An_empty_deployment_logs_a_working_bootstrap_key_once()
    {
        await using var host = await ApiHost.StartAsync("--ScanGate:Auth:BootstrapKey", "", "--Logging:LogLevel:ScanGate", "Information");
        var lines = host.Logs.Lines.Where(l => l.Contains("Bootstrap platform-administrator API key", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        var key = Regex.Match(line, "sgk_[A-Za-z0-9_-]{43}").Value;
        Assert.NotEmpty(key);
        using var admin = host.ClientFor(key);
        var org = await ApiHost.PostJsonAsync(admin, "/api/v1/orgs", new { name = "First customer" });
        Assert.StartsWith("org_", org.GetProperty("id").GetString());
    }

    [Fact]
    public async Task OpenApi_document_reference_page_and_413_for_large_bodies()
    {
        await using var host = await ApiHost.StartAsync("--ScanGate:Api:MaxRequestBodyBytes", "65536");
        using var anonymous = host.ClientFor(null);
        var doc = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[] { "/api/v1/scans", "/api/v1/scans/{id}/events", "/api/v1/apikeys", "/api/v1/projects", "/api/v1/findings/bulk", "/api/v1/audit-log", "/api/v1/orgs/{orgId}/members" })
            Assert.Contains(path, paths);
        using var docs = await anonymous.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("text/html", docs.Content.Headers.ContentType?.MediaType);

        var big = JsonSerializer.Serialize(new { scan_type = "network_discovery", target = "127.0.0.1", pipeline_context = new { blob = new string('x', 80_000) } });
        // Expect: 100-continue lets the server refuse before the body is sent, as a well-behaved client would.
        using var sizedRequest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/scans") { Content = new StringContent(big, Encoding.UTF8, "application/json") };
        sizedRequest.Headers.ExpectContinue = true;
        using (var sized = await host.Http.SendAsync(sizedRequest))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, sized.StatusCode);
            Assert.Equal("application/problem+json", sized.Content.Headers.ContentType?.MediaType);
        }
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/scans") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using (var streamed = await host.Http.SendAsync(request))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Empty((await host.Http.GetFromJsonAsync<JsonElement>("/api/v1/scans")).GetProperty("items").EnumerateArray());
    }
}
