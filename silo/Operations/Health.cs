using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;
using ScanGate.Runtime;

namespace ScanGate.Silo.Operations;

/// <summary>
/// Set when this node stops taking new work (a shutdown has begun, or a rolling upgrade asked it to drain):
/// readiness turns false at once so a load balancer or Kubernetes sends nothing new while running work finishes.
/// </summary>
public sealed class DrainState(IHostApplicationLifetime lifetime)
{
    private volatile bool _draining;
    public bool IsDraining => _draining || lifetime.ApplicationStopping.IsCancellationRequested;
    public void Begin() => _draining = true;
}

/// <summary>
/// /healthz/live: the process answers (no check runs). /healthz/ready: every check tagged "ready" passes —
/// PostgreSQL reachable (when configured), the container engine reachable (on a silo), this silo Active in the
/// cluster's membership or, on an API node, the cluster client reaching an active silo, and not draining.
/// The old /healthz stays as it was (a liveness answer, {"status":"ok"}).
/// </summary>
public static class Health
{
    public const string Ready = "ready";
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";

    public static IServiceCollection AddScanGateHealth(this IServiceCollection services, IConfiguration configuration, bool isSilo, bool embedded)
    {
        services.AddSingleton<DrainState>();
        var checks = services.AddHealthChecks()
            .AddCheck<DrainingHealthCheck>("draining", tags: [Ready]);
        var postgres = configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrEmpty(postgres))
            checks.Add(new HealthCheckRegistration("postgres", _ => new PostgresHealthCheck(postgres), HealthStatus.Unhealthy, [Ready], TimeSpan.FromSeconds(5)));
        if (isSilo)
        {
            checks.AddCheck<ClusterMembershipHealthCheck>("membership", tags: [Ready]);
            // The embedded silo still serves in-process scans without an engine (container scan types answer 503):
            // there a missing engine is "degraded" (still 200); a cluster silo without its engine is not ready.
            checks.AddCheck<ContainerEngineHealthCheck>("container-engine", embedded ? HealthStatus.Degraded : HealthStatus.Unhealthy, [Ready], TimeSpan.FromSeconds(5));
        }
        else checks.AddCheck<ClusterClientHealthCheck>("cluster-client", tags: [Ready], timeout: TimeSpan.FromSeconds(5));
        return services;
    }

    public static IEndpointRouteBuilder MapScanGateHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(Ready), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>{status, checks: [{name, status, description, duration_ms}]}; 200 when healthy or degraded, 503 otherwise.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            Status = Word(report.Status),
            Checks = report.Entries.Select(e => new { Name = e.Key, Status = Word(e.Value.Status), e.Value.Description, DurationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1) }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }

    private static string Word(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

public sealed class DrainingHealthCheck(DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? new HealthCheckResult(context.Registration.FailureStatus, "draining: this node takes no new work")
            : HealthCheckResult.Healthy("taking work"));
}

/// <summary>A fresh connection (no pool, so a dead server is seen at once, not through a stale pooled socket) and SELECT 1.</summary>
public sealed class PostgresHealthCheck(string connectionString) : IHealthCheck
{
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3, CommandTimeout = 3 }.ConnectionString;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            // Npgsql's messages name host and port, never the password.
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL does not answer: " + ex.Message);
        }
    }
}

public sealed class ContainerEngineHealthCheck(IContainerRuntime runtime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await runtime.IsAvailableAsync(cancellationToken)
            ? HealthCheckResult.Healthy("the container engine answers")
            : new HealthCheckResult(context.Registration.FailureStatus, "the container engine does not answer: container scans cannot run on this silo");
}

/// <summary>This silo is Active in the membership table (not joining, shutting down or declared dead).</summary>
public sealed class ClusterMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {local.SiloAddress} is active in the cluster")
            : new HealthCheckResult(context.Registration.FailureStatus, $"silo {local.SiloAddress} is {status} in the cluster's membership"));
    }
}

/// <summary>An API node's Orleans client reaches the cluster and it has at least one active silo.</summary>
public sealed class ClusterClientHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"connected; {hosts.Count} active silo(s)")
                : new HealthCheckResult(context.Registration.FailureStatus, "connected, but the cluster has no active silo");
        }
        catch (Exception ex) when (ex is OrleansException or SiloUnavailableException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "the cluster does not answer: " + ex.Message);
        }
    }
}
