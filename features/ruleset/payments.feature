Feature: Payments surface
  Which integration surface an SA proposes: Checkout, the Payment Element, Payment Links,
  Terminal, and the payment operations products around them.

  Scenario: Web seller that needs a fully custom checkout gets the Payment Element and Link
    Given the answers:
      | answer             | value        |
      | hq_country         | US           |
      | customer_countries | US           |
      | customer_type      | consumers    |
      | channels           | web          |
      | checkout_control   | fully_custom |
      | dev_capacity       | large        |
      | pricing_models     | one_time     |
    When the recommendation is evaluated
    Then the products include payment_element, link, radar
    And the products exclude checkout
    And the risk processor_lock_in is flagged with severity medium

  Scenario: Consumer mobile app uses the mobile Payment Element
    Given the answers:
      | answer             | value      |
      | hq_country         | GB         |
      | customer_countries | GB         |
      | customer_type      | consumers  |
      | channels           | mobile_app |
      | pricing_models     | one_time   |
    When the recommendation is evaluated
    Then the products include payment_element, link, radar
    And the products exclude checkout, terminal
    And the risk sca_3ds is flagged with severity high

  Scenario: Seller without a website takes payments through Payment Links
    Given the answers:
      | answer             | value         |
      | hq_country         | US            |
      | customer_countries | US            |
      | customer_type      | consumers     |
      | channels           | no_code, phone |
      | dev_capacity       | none          |
      | pricing_models     | one_time      |
    When the recommendation is evaluated
    Then the products include payment_links, radar
    And the products exclude checkout, payment_element

  Scenario: Consumer brand selling into many countries gets Adaptive Pricing
    Given the answers:
      | answer             | value                  |
      | hq_country         | US                     |
      | customer_countries | US, CA, AU, JP, MX, BR |
      | customer_type      | consumers              |
      | channels           | web                    |
      | checkout_control   | embedded               |
      | pricing_models     | one_time               |
    When the recommendation is evaluated
    Then the products include checkout, adaptive_pricing, tax
    And the product adaptive_pricing is not excluded

  Scenario: Adaptive Pricing is explained away for a fully custom checkout
    Given the answers:
      | answer             | value                  |
      | hq_country         | US                     |
      | customer_countries | US, CA, AU, JP, SG, HK |
      | customer_type      | consumers              |
      | channels           | web                    |
      | checkout_control   | fully_custom           |
    When the recommendation is evaluated
    Then the products include payment_element
    And the products exclude adaptive_pricing
    And the product adaptive_pricing is excluded

  Scenario: Group with entities in several currency areas settles in each currency
    Given the answers:
      | answer             | value          |
      | hq_country         | GB             |
      | entity_countries   | GB, DE, US     |
      | customer_countries | GB, DE, FR, US |
      | customer_type      | consumers      |
      | channels           | web            |
      | checkout_control   | hosted_ok      |
    When the recommendation is evaluated
    Then the products include multi_currency_settlement, checkout, tax
    And the risk sca_3ds is flagged with severity high

  Scenario: Subscription business migrating cards from Braintree
    Given the answers:
      | answer             | value           |
      | hq_country         | US              |
      | customer_countries | US              |
      | customer_type      | consumers       |
      | channels           | web             |
      | pricing_models     | fixed_recurring |
      | current_processor  | braintree       |
      | saved_cards_count  | 120000          |
    When the recommendation is evaluated
    Then the products include card_migration, billing, customer_portal, ach_debit
    And the risk card_migration_double_billing is flagged with severity high

  Scenario: One-time seller migrating cards sees a medium double-billing risk
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | US        |
      | customer_type      | consumers |
      | channels           | web       |
      | pricing_models     | one_time  |
      | current_processor  | adyen     |
      | saved_cards_count  | 5000      |
    When the recommendation is evaluated
    Then the products include card_migration
    And the risk card_migration_double_billing is flagged with severity medium

  Scenario: Enterprise routing to several processors uses Vault and Forward
    Given the answers:
      | answer               | value     |
      | hq_country           | US        |
      | customer_countries   | US        |
      | customer_type        | consumers |
      | channels             | web       |
      | checkout_control     | embedded  |
      | multi_processor      | true      |
      | card_data_on_servers | true      |
    When the recommendation is evaluated
    Then the products include vault_and_forward, checkout
    And the risk processor_lock_in is flagged
    And the risk pci_saq_d is flagged with severity high

  Scenario: Single-country in-person business gets Terminal without a country caveat
    Given the answers:
      | answer          | value     |
      | hq_country      | FR        |
      | customer_type   | consumers |
      | channels        | in_person |
      | store_count     | 3         |
      | store_countries | FR        |
    When the recommendation is evaluated
    Then the products include terminal
    And the products exclude radar, checkout
    And the risk terminal_same_country is not flagged
    And the risk pci_saq_d is not flagged
