"""Pagination for lists too long to count on every request: the readers' pages and the desk."""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

MAX_PAGE = 10_000_000
COUNT_BOUND = 1000


def count_up_to(rows, limit):
    """How many rows a QuerySet holds, counting no further than `limit`: the count reads at
    most `limit` ids, in no order and with none of the rows' annotations (through the query
    the rows are to be counted as, when they say: ArticleQuerySet.counted_as)."""
    counted_as = getattr(rows, "_counted_as", None)
    if counted_as is not None:  # not `or`: a QuerySet's truth is its rows, all of them
        rows = counted_as
    return rows.order_by().values("pk")[:limit].count()


class OpenEndedPaginator(Paginator):
    """Pages of a list too long to count on every request: a page fetches one article more
    than it shows, to know whether another page follows. Counting 10,000 published articles
    cost a fifth of the front page's time, and grows with the archive; a page costs the same
    however long the archive is. There is no page count ("page=last" still counts)."""

    open_ended = True
    count_bound = COUNT_BOUND

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        if number > MAX_PAGE:  # an offset the database could not even take
            raise EmptyPage("That page contains no results")
        bottom = (number - 1) * self.per_page
        items = list(self.object_list[bottom:bottom + self.per_page + 1])
        if not items and (number > 1 or not self.allow_empty_first_page):
            raise EmptyPage("That page contains no results")
        return OpenEndedPage(items[:self.per_page], number, self,
                             followed=len(items) > self.per_page)

    def bounded_count(self, bound=COUNT_BOUND):
        """How many items there are, counting no further than `bound` + 1: a list page says
        "more than 1,000" rather than count a whole archive on every request."""
        return count_up_to(self.object_list, bound + 1)


class OpenEndedPage(Page):
    def __init__(self, object_list, number, paginator, *, followed):
        super().__init__(object_list, number, paginator)
        self.followed = followed

    def has_next(self):
        return self.followed

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


class CappedPaginator(Paginator):
    """The desk's change list: counts no further than `count_bound`, so a filter or a search
    matching most of the archive costs a page, not a pass over every match. Beyond the bound
    the list says "more than" and pages up to it; narrowing the search reaches the rest."""

    count_bound = COUNT_BOUND

    @cached_property
    def counted(self):
        """How many items there are, up to count_bound + 1."""
        return count_up_to(self.object_list, self.count_bound + 1)

    @property
    def count(self):
        return min(self.counted, self.count_bound)

    @property
    def capped(self):
        """Whether there are more items than count says."""
        return self.counted > self.count_bound
