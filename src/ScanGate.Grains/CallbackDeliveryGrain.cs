using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScanGate.Contracts;

namespace ScanGate.Grains;

/// <summary>What to deliver: the signed body goes to the URL with the organisation's secret.</summary>
[GenerateSerializer, Immutable, Alias("scangate.callback-request.v1")]
public sealed record CallbackRequest
{
    [Id(0)] public required string ScanId { get; init; }
    [Id(1)] public required string OrgId { get; init; }
    [Id(2)] public required string Url { get; init; }
    [Id(3)] public required byte[] Body { get; init; }
}

[GenerateSerializer, Alias("scangate.callback-delivery-state.v1")]
public sealed class CallbackDeliveryState
{
    [Id(0)] public CallbackRequest? Request { get; set; }
    [Id(1)] public int Attempts { get; set; }
    [Id(2)] public bool Delivered { get; set; }
    [Id(3)] public bool GaveUp { get; set; }
    [Id(4)] public string? LastError { get; set; }
    [Id(5)] public DateTimeOffset FirstAttemptAt { get; set; }
}

/// <summary>A scan's completion callback: its own state and reminder, so a scan grain never holds a retry loop and a
/// delivery outlives the silo it began on. Key: the scan id. Called only by the scan grain.</summary>
[Alias("scangate.ICallbackDeliveryGrain")]
internal interface ICallbackDeliveryGrain : IGrainWithStringKey
{
    /// <summary>Records the delivery (once; later calls change nothing) and starts it.</summary>
    [Alias("deliver")] Task Deliver(CallbackRequest request);
    [Alias("state"), Orleans.Concurrency.AlwaysInterleave] Task<CallbackDeliveryState> State();
}

internal sealed class CallbackDeliveryGrain(
    [PersistentState("callback", "state")] IPersistentState<CallbackDeliveryState> store,
    IHttpClientFactory httpClients,
    IOptions<CallbackOptions> options,
    ILogger<CallbackDeliveryGrain> logger) : Grain, ICallbackDeliveryGrain, IRemindable
{
    private const string RetryReminder = "callback";
    private Task? _delivery;
    private CallbackDeliveryState S => store.State;

    /// <summary>A delivery under way when its activation was lost (its silo died) goes on here: the reminder is what
    /// activates the grain again.</summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S is { Request: not null, Delivered: false, GaveUp: false }) StartDelivery();
        return Task.CompletedTask;
    }

    public async Task Deliver(CallbackRequest request)
    {
        if (S.Request is not null) return;
        S.Request = request;
        S.FirstAttemptAt = DateTimeOffset.UtcNow;
        await store.WriteStateAsync();
        // The reminder brings delivery back if this activation is lost before the receiver acknowledges.
        await this.RegisterOrUpdateReminder(RetryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartDelivery();
    }

    public Task<CallbackDeliveryState> State() => Task.FromResult(S);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RetryReminder) return;
        if (S is { Request: not null, Delivered: false, GaveUp: false }) StartDelivery();
        else if (await this.GetReminder(RetryReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private void StartDelivery()
    {
        if (_delivery is { IsCompleted: false }) return;
        _delivery = Task.Factory.StartNew(DeliverAsync, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current).Unwrap();
    }

    /// <summary>POSTs the body, signed with the organisation's secret, until the receiver answers 2xx, the attempts run
    /// out, or the delivery expires. Retries back off exponentially.</summary>
    private async Task DeliverAsync()
    {
        var o = options.Value;
        var request = S.Request!;
        var secret = await GrainFactory.GetGrain<IOrganizationGrain>(request.OrgId).CallbackSecret();
        var http = httpClients.CreateClient("callbacks");
        while (!S.Delivered && !S.GaveUp)
        {
            if (S.Attempts >= o.MaxAttempts || DateTimeOffset.UtcNow - S.FirstAttemptAt > TimeSpan.FromHours(o.ExpireAfterHours))
            {
                S.GaveUp = true;
                logger.LogWarning("Scan {ScanId}: callback not acknowledged after {Attempts} attempts ({Error}); giving up", request.ScanId, S.Attempts, S.LastError);
                break;
            }
            S.Attempts++;
            try
            {
                using var post = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new ByteArrayContent(request.Body) };
                post.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                post.Headers.Add(CallbackSigning.SignatureHeader, CallbackSigning.Sign(secret, request.Body));
                post.Headers.Add("X-ScanGate-Event", "scan.finished");
                post.Headers.Add("X-ScanGate-Delivery", $"{request.ScanId}:{S.Attempts}");
                using var response = await http.SendAsync(post);
                if (response.IsSuccessStatusCode) S.Delivered = true;
                else S.LastError = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                S.LastError = ex.Message;
            }
            await store.WriteStateAsync();
            if (S.Delivered) break;
            var delay = TimeSpan.FromSeconds(Math.Min(3600, o.FirstRetrySeconds * Math.Pow(2, S.Attempts - 1)));
            this.DelayDeactivation(delay + TimeSpan.FromMinutes(1));
            await Task.Delay(delay);
        }
        await store.WriteStateAsync();
        if ((S.Delivered || S.GaveUp) && await this.GetReminder(RetryReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }
}
