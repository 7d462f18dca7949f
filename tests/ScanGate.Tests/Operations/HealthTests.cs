using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ScanGate.Silo.Operations;
using ScanGate.Storage.Postgres;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Operations;

/// <summary>/healthz/live and /healthz/ready on a real Kestrel: readiness follows PostgreSQL (a private server the
/// test stops and starts), the container engine, membership and draining.</summary>
public sealed class HealthTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string CheckStatus(JsonElement body, string name) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).GetProperty("status").GetString()!;

    [Fact]
    public async Task Live_answers_ready_checks_membership_engine_and_draining_and_the_old_healthz_is_unchanged()
    {
        await using var host = await ApiHost.StartAsync();
        using var anonymous = host.ClientFor(null);

        var (liveStatus, live) = await GetAsync(anonymous, "/healthz/live");
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.Equal("healthy", live.GetProperty("status").GetString());
        Assert.Empty(live.GetProperty("checks").EnumerateArray()); // the process answers; nothing else is asked

        var (readyStatus, ready) = await GetAsync(anonymous, "/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("healthy", ready.GetProperty("status").GetString());
        Assert.Equal("healthy", CheckStatus(ready, "membership"));
        Assert.Equal("healthy", CheckStatus(ready, "container-engine")); // tests/run.sh starts dockerd
        Assert.Equal("healthy", CheckStatus(ready, "draining"));
        Assert.DoesNotContain(ready.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "postgres"); // not configured

        Assert.Equal("ok", (await anonymous.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("status").GetString());

        // A node that starts draining (shutdown or a rolling upgrade) is unready at once, while it still answers.
        host.Services.GetRequiredService<DrainState>().Begin();
        var (drainingStatus, draining) = await GetAsync(anonymous, "/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, drainingStatus);
        Assert.Equal("unhealthy", CheckStatus(draining, "draining"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(anonymous, "/healthz/live")).Status);
    }

    [SkippableFact]
    public async Task Ready_turns_unready_when_postgres_stops_and_ready_again_when_it_is_back()
    {
        Skip.IfNot(PrivatePostgres.Available, "PostgreSQL 15's server binaries are not installed (tests/run.sh installs postgresql)");
        await using var postgres = await PrivatePostgres.StartAsync();
        var cs = await postgres.CreateDatabaseAsync("scangate_health");
        await using (var data = Npgsql.NpgsqlDataSource.Create(cs))
            await new SchemaMigrator(data, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        await using var host = await ApiHost.StartAsync("--ConnectionStrings:Postgres", cs, "--ScanGate:Storage:Provider", "postgres");
        using var anonymous = host.ClientFor(null);

        var (status, body) = await GetAsync(anonymous, "/healthz/ready");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("healthy", CheckStatus(body, "postgres"));

        await postgres.StopServerAsync();
        (status, body) = await GetAsync(anonymous, "/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", CheckStatus(body, "postgres"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(anonymous, "/healthz/live")).Status); // alive, just not ready

        await postgres.StartServerAsync();
        (status, body) = await GetAsync(anonymous, "/healthz/ready");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("healthy", CheckStatus(body, "postgres"));
    }
}
