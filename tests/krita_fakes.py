"""Stand-ins for the few Krita objects the plug-in's document code uses, for tests outside Krita."""

from maskgan_krita import pixels


class FakeNode:
    """The few Krita Node methods the plug-in uses for choosing and placing layers (children bottom to top)."""

    def __init__(self, name, kind="paintlayer", children=(), visible=True):
        self._name, self._kind, self._children, self._parent, self._visible = name, kind, list(children), None, visible
        for node in self._children:
            node._parent = self

    def name(self):
        return self._name

    def type(self):
        return self._kind

    def childNodes(self):
        return self._children

    def parentNode(self):
        return self._parent

    def visible(self):
        return self._visible

    def addChildNode(self, node, above):
        """As Krita's: right above ``above``, or on top for None."""
        self._children.insert(self._children.index(above) + 1 if above is not None else len(self._children), node)
        node._parent = self


class FakeDocument:
    """A document whose projection is ``projection`` (RGBA), read only after refreshProjection and waitForDone."""

    def __init__(self, root, active=None, projection=None):
        self._root, self._active, self._projection, self.calls = root, active, projection, []

    def rootNode(self):
        return self._root

    def activeNode(self):
        return self._active

    def name(self):
        return "portrait"

    def createGroupLayer(self, name):
        return FakeNode(name, "grouplayer")

    def width(self):
        return self._projection.shape[1]

    def height(self):
        return self._projection.shape[0]

    def refreshProjection(self):
        self.calls.append("refreshProjection")

    def waitForDone(self):
        self.calls.append("waitForDone")

    def pixelData(self, x, y, width, height):
        assert (x, y, width, height) == (0, 0, self.width(), self.height())
        self.calls.append("pixelData")
        return pixels.rgba_to_bgra(self._projection)
