from .selectors import city_for_host


class CityMiddleware:
    """Sets `request.city`: the city whose host name was asked for, else the default city."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.city = city_for_host(request.get_host().split(":")[0])
        return self.get_response(request)
