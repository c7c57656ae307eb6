"""The one base class for errors whose message is meant for the user."""


class UserError(Exception):
    """A problem with the request or the project, explained in the message.

    Adapters show these as they are (a JSON-RPC error, a CLI message), never as
    a traceback.
    """
