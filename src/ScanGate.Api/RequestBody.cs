using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ScanGate.Api;

/// <summary>Reads a JSON object body and its fields, turning every client mistake into a 400 naming the field.</summary>
public static class RequestBody
{
    /// <summary>For the compatibility surfaces: the platforms' documented examples carry trailing commas and comments
    /// (Aikido's start body ends in <c>1, }</c>), and a script copied from them must still work.</summary>
    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static async Task<(JsonElement Body, IResult? Error)> ReadObjectAsync(HttpRequest request, params string[] knownFields)
    {
        if (request.ContentType is not { } ct || !ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (default, Problems.BadRequest("body", "send the request as JSON with Content-Type: application/json"));
        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, Compat.CompatSurface.Of(request.HttpContext) is null ? default : Lenient,
                request.HttpContext.RequestAborted);
            body = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (default, Problems.BadRequest("body", $"the request body is not valid JSON: {ex.Message}"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, TypedResults.Problem(detail: "the request body is larger than this server accepts", statusCode: ex.StatusCode, title: "Request body too large"));
        }
        if (body.ValueKind != JsonValueKind.Object) return (default, Problems.BadRequest("body", "the request body must be a JSON object"));
        if (knownFields.Length > 0)
            foreach (var p in body.EnumerateObject())
                if (!knownFields.Contains(p.Name))
                    return (default, Problems.BadRequest(p.Name, $"unknown field '{p.Name}'; known fields: {string.Join(", ", knownFields)}"));
        return (body, null);
    }
}
