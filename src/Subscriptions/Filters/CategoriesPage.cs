using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Digest.Subscriptions.Filters;

/// <summary>/categories: the arXiv categories a topic can be narrowed to, linked from the form's help.</summary>
internal static class CategoriesPage
{
    public static void Map(IEndpointRouteBuilder pages) => pages.MapGet("/categories", Show);

    static ContentHttpResult Show(Pages pages) => pages.Render("categories", new
    {
        Groups = ArxivCategories.All.GroupBy(c => c.Group).Select(g => new { Name = g.Key, Categories = g.ToList() }).ToList(),
    });
}
