// Loads every panel renderer so that each registers itself.
import './uplotPanels';
import './basicPanels';
