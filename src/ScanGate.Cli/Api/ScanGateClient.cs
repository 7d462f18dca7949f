using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;

namespace ScanGate.Cli.Api;

/// <summary>
/// The CLI's one view of the native REST API (/api/v1): every call the commands make goes through here, so this
/// class can be swapped for a client generated from the OpenAPI document without touching the commands.
/// 429 and 503 are retried honouring Retry-After, connection failures with backoff; what is left maps to the
/// tool's exit codes (<see cref="CliException"/>).
/// </summary>
public sealed class ScanGateClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    public Uri BaseAddress { get; }

    public ScanGateClient(Uri baseAddress, string apiKey, int retries, TimeSpan? firstDelay = null, HttpMessageHandler? handler = null)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }, disposeHandler: true)
        {
            BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("scangate-cli", typeof(ScanGateClient).Assembly.GetName().Version?.ToString(3)));
        _retry = retries <= 0 ? ResiliencePipeline<HttpResponseMessage>.Empty : new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retries,
                Delay = firstDelay ?? TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException } => true,
                    { Exception: TaskCanceledException } when !args.Context.CancellationToken.IsCancellationRequested => true,
                    { Result.StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } => true,
                    _ => false,
                }),
                // The server's Retry-After wins over our own backoff.
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args => { args.Outcome.Result?.Dispose(); return ValueTask.CompletedTask; },
            })
            .Build();
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta <= TimeSpan.FromMinutes(5) ? delta : TimeSpan.FromMinutes(5);
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    // ---- scans ----

    public Task<(CreatedScan Scan, string Json)> CreateScanAsync(Dictionary<string, object?> body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/api/v1/scans", CliJson.Default.CreatedScan, ct, JsonBody(body));

    public Task<(Scan Scan, string Json)> GetScanAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/api/v1/scans/{Esc(id)}", CliJson.Default.Scan, ct);

    public Task<(Scan Scan, string Json)> GetResultsAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/api/v1/scans/{Esc(id)}/results", CliJson.Default.Scan, ct);

    public Task<string> GetResultsJsonAsync(string id, CancellationToken ct) => SendTextAsync(HttpMethod.Get, $"/api/v1/scans/{Esc(id)}/results", ct);

    /// <summary>pause, resume, stop, cancel or rescan.</summary>
    public Task<(Scan Scan, string Json)> CommandAsync(string id, string command, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/api/v1/scans/{Esc(id)}/{command}", CliJson.Default.Scan, ct);

    public Task<(FindingPage Page, string Json)> FindingsPageAsync(string id, IReadOnlyDictionary<string, string?> filters, string? cursor, int limit, CancellationToken ct)
    {
        var query = new Dictionary<string, string?>(filters) { ["cursor"] = cursor, ["limit"] = limit.ToString() };
        return SendAsync(HttpMethod.Get, $"/api/v1/scans/{Esc(id)}/findings{Query(query)}", CliJson.Default.FindingPage, ct);
    }

    /// <summary>Every finding of the scan that matches <paramref name="filters"/>, page by page.</summary>
    public async Task<List<Finding>> AllFindingsAsync(string id, IReadOnlyDictionary<string, string?> filters, CancellationToken ct)
    {
        var all = new List<Finding>();
        string? cursor = null;
        do
        {
            var (page, _) = await FindingsPageAsync(id, filters, cursor, 200, ct);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return all;
    }

    public Task<(Upload Upload, string Json)> UploadAsync(string id, string format, string? tool, string? category, string path, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/api/v1/scans/{Esc(id)}/uploads{Query(new() { ["format"] = format, ["tool"] = tool, ["category"] = category })}",
            CliJson.Default.Upload, ct, () =>
            {
                var content = new StreamContent(File.OpenRead(path));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return content;
            });

    /// <summary>A file the API renders (findings export or a kept artifact), streamed to <paramref name="destination"/>.</summary>
    public async Task DownloadAsync(string path, Stream destination, CancellationToken ct)
    {
        using var response = await SendRawAsync(HttpMethod.Get, path, null, ct, HttpCompletionOption.ResponseHeadersRead);
        await EnsureSuccessAsync(response, ct);
        await response.Content.CopyToAsync(destination, ct);
    }

    /// <summary>The scan's event stream from <paramref name="lastEventId"/> on; the caller reads and disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenEventsAsync(string id, string? lastEventId, CancellationToken ct)
    {
        var response = await SendRawAsync(HttpMethod.Get, $"/api/v1/scans/{Esc(id)}/events", null, ct, HttpCompletionOption.ResponseHeadersRead,
            request =>
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            });
        await EnsureSuccessAsync(response, ct);
        return response;
    }

    /// <summary>A cheap authenticated call that checks a URL and key (login).</summary>
    public Task<string> ListScansProbeAsync(CancellationToken ct) => SendTextAsync(HttpMethod.Get, "/api/v1/scans?limit=1", ct);

    // ---- keys and projects ----

    public Task<(ApiKey Key, string Json)> CreateKeyAsync(Dictionary<string, object?> body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/api/v1/apikeys", CliJson.Default.ApiKey, ct, JsonBody(body));

    public Task<(ItemList<ApiKey> Keys, string Json)> ListKeysAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/api/v1/apikeys", CliJson.Default.ItemListApiKey, ct);

    public Task<string> RevokeKeyAsync(string keyId, CancellationToken ct) => SendTextAsync(HttpMethod.Delete, $"/api/v1/apikeys/{Esc(keyId)}", ct);

    public Task<(ItemList<Project> Projects, string Json)> ListProjectsAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/api/v1/projects", CliJson.Default.ItemListProject, ct);

    public Task<(Project Project, string Json)> GetProjectAsync(string key, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/api/v1/projects/{Esc(key)}", CliJson.Default.Project, ct);

    public Task<(Project Project, string Json)> CreateProjectAsync(Dictionary<string, object?> body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/api/v1/projects", CliJson.Default.Project, ct, JsonBody(body));

    // ---- plumbing ----

    private static string Esc(string segment) => Uri.EscapeDataString(segment);

    private static string Query(Dictionary<string, string?> query)
    {
        var parts = query.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static Func<HttpContent> JsonBody(Dictionary<string, object?> body)
    {
        var json = JsonSerializer.Serialize(body, CliJson.Default.DictionaryStringObject);
        return () => new StringContent(json, Encoding.UTF8, "application/json");
    }

    private async Task<(T Value, string Json)> SendAsync<T>(HttpMethod method, string path, JsonTypeInfo<T> type, CancellationToken ct, Func<HttpContent>? content = null)
    {
        var json = await SendTextAsync(method, path, ct, content);
        try { return (JsonSerializer.Deserialize(json, type)!, json); }
        catch (JsonException ex) { throw new CliException(ExitCodes.Unreachable, $"{method} {path}: the answer is not the JSON ScanGate sends ({ex.Message}); is {BaseAddress} a ScanGate server?"); }
    }

    private async Task<string> SendTextAsync(HttpMethod method, string path, CancellationToken ct, Func<HttpContent>? content = null)
    {
        using var response = await SendRawAsync(method, path, content, ct, HttpCompletionOption.ResponseContentRead);
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, Func<HttpContent>? content, CancellationToken ct,
        HttpCompletionOption completion, Action<HttpRequestMessage>? configure = null)
    {
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(method, path) { Content = content?.Invoke() };
                configure?.Invoke(request);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                // One call may take long when the server settles a stop or cancel; the event stream has no limit.
                if (completion == HttpCompletionOption.ResponseContentRead) timeout.CancelAfter(TimeSpan.FromSeconds(100));
                return await _http.SendAsync(request, completion, timeout.Token);
            }, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Unreachable, $"ScanGate at {BaseAddress} is unreachable: {ex.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"ScanGate at {BaseAddress} did not answer {method} {path} in time");
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync(ct);
        Problem? problem = null;
        try { problem = JsonSerializer.Deserialize(text, CliJson.Default.Problem); } catch (JsonException) { }
        var status = (int)response.StatusCode;
        var detail = problem?.Detail ?? problem?.Title ?? (text.Length > 300 ? text[..300] : text);
        var where = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}";
        var message = $"{where}: {status} {response.ReasonPhrase}" + (string.IsNullOrWhiteSpace(detail) ? "" : $": {detail}")
            + (problem?.Field is { } f ? $" (field: {f})" : "");
        throw new CliException(status switch
        {
            401 or 403 => ExitCodes.AuthRefused,
            429 or >= 500 => ExitCodes.Unreachable,
            _ => ExitCodes.Usage,
        }, message);
    }

    public void Dispose() => _http.Dispose();
}
