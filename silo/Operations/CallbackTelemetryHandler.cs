using System.Diagnostics;
using System.Diagnostics.Metrics;
using ScanGate.Contracts;

namespace ScanGate.Silo.Operations;

/// <summary>
/// Counts callback deliveries (by outcome) and retries, and wraps each in a "callback.deliver" span, from the
/// outside of the callbacks' HttpClient: the delivery header "X-ScanGate-Delivery: {scan id}:{attempt}" says which
/// scan and which attempt it is.
/// </summary>
public sealed class CallbackTelemetryHandler(IMeterFactory meters) : DelegatingHandler
{
    public const string DeliveryHeader = "X-ScanGate-Delivery";
    private readonly Counter<long> _deliveries = meters.Create(ScanGateTelemetry.Name).CreateCounter<long>(ScanGateTelemetry.Metrics.CallbackDeliveries,
        description: "Callback delivery attempts, by outcome (delivered, refused, error)");
    private readonly Counter<long> _retries = meters.Create(ScanGateTelemetry.Name).CreateCounter<long>(ScanGateTelemetry.Metrics.CallbackRetries,
        description: "Callback delivery attempts after the first");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? scanId = null;
        var attempt = 1;
        if (request.Headers.TryGetValues(DeliveryHeader, out var values) && values.FirstOrDefault() is { } delivery && delivery.LastIndexOf(':') is var colon and > 0)
        {
            scanId = delivery[..colon];
            attempt = int.TryParse(delivery[(colon + 1)..], out var n) ? n : 1;
        }
        using var activity = ScanGateTelemetry.Source.StartActivity("callback.deliver", ActivityKind.Client);
        activity?.SetTag(ScanGateTelemetry.Tags.ScanId, scanId);
        activity?.SetTag("callback.attempt", attempt);
        if (attempt > 1) _retries.Add(1);
        var outcome = "error";
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            outcome = response.IsSuccessStatusCode ? "delivered" : "refused";
            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            if (!response.IsSuccessStatusCode) activity?.SetStatus(ActivityStatusCode.Error, $"the receiver answered {(int)response.StatusCode}");
            return response;
        }
        catch (Exception ex) when (Spans.Failed(activity, ex)) { throw; }
        finally { _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome)); }
    }
}
