using System.Text.Json;

namespace Digest.Papers;

/// <summary>Reads the items of a JSON feed one by one, so that one malformed item costs only itself.</summary>
internal static class JsonItems
{
    /// <param name="firstIndex">The position of the first element in its document, for the items' references.</param>
    /// <param name="shape">What an item should be, for the rejection ("a daily-papers item").</param>
    /// <param name="read">Maps one element, given the reference that names it; throws <see cref="JsonException"/> when it cannot.</param>
    public static (List<PaperCandidate> Items, List<Rejection> Unreadable) Read(
        IEnumerable<JsonElement> elements, string document, int firstIndex, string shape, Func<JsonElement, string, PaperCandidate> read)
    {
        var items = new List<PaperCandidate>();
        var unreadable = new List<Rejection>();
        var index = firstIndex;
        foreach (var element in elements)
        {
            var reference = $"{document} item {index++}";
            try
            {
                items.Add(read(element, reference));
            }
            catch (JsonException e)
            {
                unreadable.Add(new Rejection(reference, PaperRules.Shape, $"not {shape}: {e.Message}"));
            }
            catch (ItemRejectedException e)
            {
                unreadable.Add(new Rejection(reference, e.Rule, e.Detail));
            }
        }
        return (items, unreadable);
    }

    /// <summary>Deserialises an element that must not be null.</summary>
    public static T Deserialize<T>(JsonElement element, JsonSerializerOptions options) =>
        element.Deserialize<T>(options) ?? throw new JsonException("the item is null");
}
