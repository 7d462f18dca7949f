using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ScanGate.Contracts;

namespace ScanGate.Silo.Operations;

/// <summary>Which exporters run. Bound from "ScanGate:Telemetry". The embedded default exports only the Prometheus
/// scrape endpoint; OTLP turns on with an endpoint (here or in the standard OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "ScanGate:Telemetry";
    /// <summary>Serve the metrics in Prometheus' text format at <see cref="PrometheusPath"/>.</summary>
    public bool Prometheus { get; set; } = true;
    public string PrometheusPath { get; set; } = "/metrics";
    /// <summary>OTLP collector for traces, metrics and logs (e.g. http://otel-collector:4317).</summary>
    public string? OtlpEndpoint { get; set; }
    /// <summary>"grpc" (default) or "http/protobuf".</summary>
    public string? OtlpProtocol { get; set; }
    /// <summary>Write traces and metrics to standard output (for a quick look, not for production).</summary>
    public bool Console { get; set; }
    /// <summary>Record spans even when no exporter above takes them (a test adds its own exporter).</summary>
    public bool Tracing { get; set; }
}

public static class Telemetry
{
    /// <summary>Orleans' own sources (its grain-call spans when activity propagation is on) and meter.</summary>
    public static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];
    public const string OrleansMeter = "Microsoft.Orleans";

    public static WebApplicationBuilder AddScanGateTelemetry(this WebApplicationBuilder builder, string role)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.Configure<TelemetryOptions>(builder.Configuration.GetSection(TelemetryOptions.Section));
        var otlpEndpoint = options.OtlpEndpoint ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var otlp = !string.IsNullOrWhiteSpace(otlpEndpoint);
        var tracing = options.Tracing || options.Console || otlp;

        // Every log line written inside a span carries its trace and span ids as a scope.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("scangate", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}")
                .AddAttributes([new("scangate.role", role)]));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(ScanGateTelemetry.Name, OrleansMeter, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http");
            // Scans and runs take seconds to an hour; the default buckets (up to 10 s) would hold nothing useful.
            double[] longBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
            metrics.AddView(ScanGateTelemetry.Metrics.ScanDuration, new ExplicitBucketHistogramConfiguration { Boundaries = longBuckets });
            metrics.AddView(ScanGateTelemetry.Metrics.RunDuration, new ExplicitBucketHistogramConfiguration { Boundaries = longBuckets });
            metrics.AddView(ScanGateTelemetry.Metrics.ContainerOperationDuration, new ExplicitBucketHistogramConfiguration { Boundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800] });
            if (options.Prometheus) metrics.AddPrometheusExporter();
            if (otlp) metrics.AddOtlpExporter(o => Otlp(o, otlpEndpoint!, options.OtlpProtocol, "v1/metrics"));
            if (options.Console) metrics.AddConsoleExporter();
        });
        if (tracing)
            otel.WithTracing(traces =>
            {
                traces.AddSource(ScanGateTelemetry.Name).AddSource(OrleansActivitySources);
                traces.AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/healthz") && !context.Request.Path.StartsWithSegments(options.PrometheusPath));
                traces.AddHttpClientInstrumentation();
                if (otlp) traces.AddOtlpExporter(o => Otlp(o, otlpEndpoint!, options.OtlpProtocol, "v1/traces"));
                if (options.Console) traces.AddConsoleExporter();
            });
        if (otlp)
            otel.WithLogging(logs => logs.AddOtlpExporter(o => Otlp(o, otlpEndpoint!, options.OtlpProtocol, "v1/logs")), o => o.IncludeScopes = true);
        return builder;
    }

    /// <summary>gRPC takes the collector's address as is; OTLP over HTTP posts each signal to its own path under it.</summary>
    private static void Otlp(OtlpExporterOptions o, string endpoint, string? protocol, string signalPath)
    {
        if (string.Equals(protocol, "http/protobuf", StringComparison.OrdinalIgnoreCase))
        {
            o.Protocol = OtlpExportProtocol.HttpProtobuf;
            o.Endpoint = new Uri(endpoint.TrimEnd('/') + "/" + signalPath);
        }
        else o.Endpoint = new Uri(endpoint);
    }

    public static IEndpointRouteBuilder MapScanGateTelemetry(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value;
        if (options.Prometheus) app.MapPrometheusScrapingEndpoint(options.PrometheusPath).AllowAnonymous();
        return app;
    }
}
