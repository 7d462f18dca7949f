using Microsoft.AspNetCore.Http;
using ScanGate.Contracts;

namespace ScanGate.Api;

/// <summary>RFC 7807 problem+json answers with a detail a client can act on.</summary>
public static class Problems
{
    /// <summary>A 400 naming the field; <paramref name="more"/> adds members a client can act on (the choices it has).</summary>
    public static IResult BadRequest(string field, string detail, IReadOnlyDictionary<string, object?>? more = null) => TypedResults.Problem(
        detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
        extensions: new Dictionary<string, object?>(more ?? new Dictionary<string, object?>()) { ["field"] = field });

    public static IResult NotFound(string detail) => TypedResults.Problem(
        detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string detail) => TypedResults.Problem(
        detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static IResult Forbidden(string detail) => TypedResults.Problem(
        detail: detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static IResult ScanNotFound(string id) => NotFound($"no scan with id '{id}'");

    public static IResult TooLarge(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large", detail: detail);

    public static IResult FromCommand(CommandError error, string? message) => error switch
    {
        CommandError.NotFound => NotFound(message ?? "not found"),
        CommandError.Conflict => TypedResults.Problem(detail: message, statusCode: StatusCodes.Status409Conflict, title: "Not allowed in the current state"),
        CommandError.Unavailable => TypedResults.Problem(detail: message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Scanner engine unavailable"),
        CommandError.QuotaExceeded => TypedResults.Problem(detail: message, statusCode: StatusCodes.Status402PaymentRequired, title: "Quota exceeded"),
        CommandError.Forbidden => Forbidden(message ?? "not allowed"),
        _ => TypedResults.Problem(detail: message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request"),
    };

    public static IResult FromCommand(CommandResult r) => FromCommand(r.Error, r.Message);

    /// <summary>The native answer to an application refusal: a 400 names its field.</summary>
    public static IResult From(AppError e) => e.Kind == CommandError.Invalid && e.Field is { } field
        ? BadRequest(field, e.Detail, e.More)
        : FromCommand(e.Kind, e.Detail);

    /// <summary>Writes a problem outside an endpoint (authentication, middleware).</summary>
    public static Task Write(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(context);
}
