"""The app's screens by name; each has a ``.kv`` of the same name beside its module."""

from pathlib import Path

from mobile.ui.screens.assignment import AssignmentScreen
from mobile.ui.screens.followup import FollowupScreen
from mobile.ui.screens.home import HomeScreen
from mobile.ui.screens.house import HouseScreen
from mobile.ui.screens.house_form import HouseFormScreen
from mobile.ui.screens.inspection import InspectionScreen
from mobile.ui.screens.notices import NoticesScreen
from mobile.ui.screens.occupant_form import OccupantFormScreen
from mobile.ui.screens.order import OrderScreen
from mobile.ui.screens.orders import OrdersScreen
from mobile.ui.screens.outbox import OutboxScreen
from mobile.ui.screens.registry import RegistryScreen
from mobile.ui.screens.report import ReportScreen
from mobile.ui.screens.settings import SettingsScreen
from mobile.ui.screens.setup import SetupScreen
from mobile.ui.screens.unlock import UnlockScreen
from mobile.ui.screens.venue import VenueScreen
from mobile.ui.screens.venue_form import VenueFormScreen
from mobile.ui.screens.venue_search import VenueSearchScreen

SCREEN_DIR = Path(__file__).parent
SCREENS = {
    "setup": SetupScreen,
    "unlock": UnlockScreen,
    "home": HomeScreen,
    "venue_search": VenueSearchScreen,
    "venue": VenueScreen,
    "venue_form": VenueFormScreen,
    "inspection": InspectionScreen,
    "followup": FollowupScreen,
    "outbox": OutboxScreen,
    "settings": SettingsScreen,
    "orders": OrdersScreen,
    "order": OrderScreen,
    "report": ReportScreen,
    "registry": RegistryScreen,
    "house": HouseScreen,
    "house_form": HouseFormScreen,
    "occupant_form": OccupantFormScreen,
    "assignment": AssignmentScreen,
    "notices": NoticesScreen,
}
