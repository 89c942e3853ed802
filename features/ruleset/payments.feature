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

  Scenario: USD-priced brand whose Brazilian and Mexican buyers need local currencies gets Adaptive Pricing
    Given the answers:
      | answer             | value                  |
      | hq_country         | US                     |
      | customer_countries | US, CA, AU, JP, MX, BR |
      | customer_type      | consumers              |
      | channels           | web                    |
      | checkout_control   | embedded               |
      | pricing_models     | one_time               |
      | priced_currencies  | USD                    |
    When the recommendation is evaluated
    Then the products include checkout, adaptive_pricing, tax, pix, oxxo
    And the product adaptive_pricing is not excluded
    And the risk local_currency_required is flagged with severity low

  Scenario: Many countries alone do not bring Adaptive Pricing
    Given the answers:
      | answer             | value                  |
      | hq_country         | US                     |
      | customer_countries | US, CA, GB, SG, AE, HK |
      | customer_type      | consumers              |
      | channels           | web                    |
      | checkout_control   | hosted_ok              |
      | pricing_models     | one_time               |
      | priced_currencies  | USD                    |
    When the recommendation is evaluated
    Then the products include checkout, tax
    And the products exclude adaptive_pricing
    And the risk local_currency_required is not flagged

  Scenario: A seller who wants Stripe to localise prices gets Adaptive Pricing
    Given the answers:
      | answer             | value        |
      | hq_country         | GB           |
      | customer_countries | GB, US, AU   |
      | customer_type      | consumers    |
      | channels           | web          |
      | checkout_control   | hosted_ok    |
      | priced_currencies  | GBP          |
      | currency_strategy  | auto_convert |
    When the recommendation is evaluated
    Then the products include adaptive_pricing

  Scenario: A seller keeping its own price lists is asked to add the local currencies
    Given the answers:
      | answer             | value        |
      | hq_country         | US           |
      | customer_countries | BR, US       |
      | customer_type      | consumers    |
      | channels           | web          |
      | checkout_control   | hosted_ok    |
      | priced_currencies  | USD          |
      | currency_strategy  | local_prices |
    When the recommendation is evaluated
    Then the products include pix
    And the products exclude adaptive_pricing
    And the risk local_currency_required is flagged with severity medium

  Scenario: Adaptive Pricing is explained away for a PaymentIntents-only checkout
    Given the answers:
      | answer             | value        |
      | hq_country         | US           |
      | customer_countries | US, BR, MX   |
      | customer_type      | consumers    |
      | channels           | web          |
      | checkout_control   | fully_custom |
      | priced_currencies  | USD          |
    When the recommendation is evaluated
    Then the products include payment_element, pix, oxxo
    And the products exclude adaptive_pricing
    And the product adaptive_pricing is excluded
    And the risk local_currency_required is flagged with severity medium
    And the derived fact payment_intents_only is true

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

  Scenario: Group whose entities and buyers all use the euro settles in euros without multi-currency settlement
    Given the answers:
      | answer             | value          |
      | hq_country         | FR             |
      | entity_countries   | FR, DE, NL     |
      | customer_countries | FR, DE, NL, IT |
      | customer_type      | consumers      |
      | channels           | web            |
      | checkout_control   | hosted_ok      |
    When the recommendation is evaluated
    Then the products include checkout, tax
    And the products exclude multi_currency_settlement

  Scenario: Euro-area entities selling into other currencies settle in each currency
    Given the answers:
      | answer             | value          |
      | hq_country         | FR             |
      | entity_countries   | FR, DE         |
      | customer_countries | FR, DE, GB, SE |
      | customer_type      | consumers      |
      | channels           | web            |
      | checkout_control   | hosted_ok      |
    When the recommendation is evaluated
    Then the products include multi_currency_settlement

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
    Then the products include card_migration, billing, customer_portal, ach_debit, card_account_updater
    And the risk card_migration_double_billing is flagged with severity high
    And the risk processor_export_lead_time is flagged

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

  Scenario: Furniture maker that captures when it ships authorises first
    Given the answers:
      | answer             | value                           |
      | hq_country         | US                              |
      | customer_countries | US                              |
      | customer_type      | consumers                       |
      | channels           | web                             |
      | capture_timing     | at_purchase, later_within_7_days |
    When the recommendation is evaluated
    Then the products include manual_capture, checkout
    And the products exclude extended_authorization, incremental_authorization
    And the risk auth_expiry is flagged with severity medium
    And the derived fact late_capture is true

  Scenario: Car rental company holds deposits for weeks and adds charges at return
    Given the answers:
      | answer             | value                    |
      | hq_country         | FR                       |
      | customer_countries | FR, ES                   |
      | customer_type      | consumers                |
      | channels           | web, in_person           |
      | store_countries    | FR, ES                   |
      | capture_timing     | longer_hold, incremental |
    When the recommendation is evaluated
    Then the products include manual_capture, extended_authorization, incremental_authorization, terminal
    And the risk auth_expiry is flagged with severity high
    And the risk terminal_same_country is flagged

  Scenario: Call centre keying in card numbers needs MOTO and Stripe's approval
    Given the answers:
      | answer             | value            |
      | hq_country         | GB               |
      | customer_countries | GB               |
      | customer_type      | consumers        |
      | channels           | web, phone       |
      | phone_payments     | moto_agent_entry |
    When the recommendation is evaluated
    Then the products include moto, checkout
    And the products exclude payment_links
    And the risk moto_approval is flagged with severity medium

  Scenario: Phone orders paid by link stay out of PCI scope
    Given the answers:
      | answer             | value       |
      | hq_country         | GB          |
      | customer_countries | GB          |
      | customer_type      | consumers   |
      | channels           | phone       |
      | phone_payments     | pay_by_link |
    When the recommendation is evaluated
    Then the products include payment_links
    And the products exclude moto
    And the risk moto_approval is not flagged

  Scenario: Coffee cart with two pitches uses Tap to Pay
    Given the answers:
      | answer             | value     |
      | hq_country         | AU        |
      | customer_type      | consumers |
      | channels           | in_person |
      | store_count        | 2         |
      | store_countries    | AU        |
    When the recommendation is evaluated
    Then the products include tap_to_pay, terminal
    And the risk terminal_same_country is not flagged

  Scenario: Retail chain with many stores gets readers, not Tap to Pay
    Given the answers:
      | answer          | value     |
      | hq_country      | DE        |
      | customer_type   | consumers |
      | channels        | in_person |
      | store_count     | 60        |
      | store_countries | DE        |
    When the recommendation is evaluated
    Then the products include terminal
    And the products exclude tap_to_pay

  Scenario: Terminal is explained away where it is not offered
    Given the answers:
      | answer          | value     |
      | hq_country      | BR        |
      | customer_type   | consumers |
      | channels        | in_person |
      | store_count     | 8         |
      | store_countries | BR        |
    When the recommendation is evaluated
    Then the products exclude terminal, tap_to_pay
    And the product terminal is excluded

  Scenario: Indie studio selling digital goods worldwide can let Stripe be merchant of record
    Given the answers:
      | answer             | value              |
      | hq_country         | GB                 |
      | customer_countries | GB, US, DE, JP, AU |
      | customer_type      | consumers          |
      | offering_types     | digital_goods      |
      | channels           | web                |
      | dev_capacity       | small              |
      | annual_volume_usd  | 400000             |
      | pricing_models     | one_time           |
    When the recommendation is evaluated
    Then the products include managed_payments, checkout
    And the derived fact segment is startup

  Scenario: Physical goods sellers do not get Managed Payments
    Given the answers:
      | answer             | value                         |
      | hq_country         | GB                            |
      | customer_countries | GB, US, DE                    |
      | customer_type      | consumers                     |
      | offering_types     | digital_goods, physical_goods |
      | channels           | web                           |
      | dev_capacity       | small                         |
    When the recommendation is evaluated
    Then the products exclude managed_payments
    And the products include tax

  Scenario: iOS app selling digital subscriptions follows app store rules
    Given the answers:
      | answer               | value              |
      | hq_country           | US                 |
      | customer_countries   | US, DE, JP         |
      | customer_type        | consumers          |
      | channels             | mobile_app         |
      | in_app_digital_goods | ios_and_android    |
      | offering_types       | digital_goods      |
      | pricing_models       | fixed_recurring    |
    When the recommendation is evaluated
    Then the products include checkout, billing
    And the products exclude payment_element
    And the risk app_store_rules is flagged with severity high

  Scenario: App selling only digital goods in the app outside the link-out storefronts pays through the stores, Stripe on the web
    # DOMAIN.md: link-out is documented for US and EEA iOS storefronts; elsewhere the store's
    # in-app purchase usually applies, and the native SDKs are for physical goods and services.
    Given the answers:
      | answer               | value            |
      | hq_country           | JP               |
      | entity_countries     | JP               |
      | customer_countries   | JP, SG, AU, IN   |
      | customer_type        | consumers        |
      | channels             | web, mobile_app  |
      | checkout_control     | hosted_ok        |
      | in_app_digital_goods | ios_and_android  |
      | offering_types       | digital_goods    |
      | pricing_models       | fixed_recurring  |
    When the recommendation is evaluated
    Then the products include checkout, billing
    And the products exclude payment_element
    And the risk app_store_rules is flagged

  Scenario: Stores where Terminal is not offered next to stores where it is unconfirmed get no Terminal
    Given the answers:
      | answer             | value          |
      | hq_country         | BR             |
      | customer_countries | BR, MX         |
      | customer_type      | consumers      |
      | channels           | web, in_person |
      | store_countries    | BR, MX         |
    When the recommendation is evaluated
    Then the products exclude terminal
    And the product terminal is excluded
    And the risk terminal_same_country is not flagged

  Scenario: App selling physical goods as well keeps the mobile Payment Element for them
    Given the answers:
      | answer               | value                         |
      | hq_country           | US                            |
      | customer_countries   | US                            |
      | customer_type        | consumers                     |
      | channels             | mobile_app                    |
      | in_app_digital_goods | ios                           |
      | offering_types       | digital_goods, physical_goods |
    When the recommendation is evaluated
    Then the products include payment_element

  Scenario: With Stripe as merchant of record, Stripe Tax is not recommended as well
    Given the answers:
      | answer             | value              |
      | hq_country         | GB                 |
      | customer_countries | GB, US, DE, JP, AU |
      | customer_type      | consumers          |
      | offering_types     | digital_goods      |
      | channels           | web                |
      | dev_capacity       | small              |
      | pricing_models     | one_time           |
    When the recommendation is evaluated
    Then the products include managed_payments
    And the product tax is excluded
    And the risk tax_registration is not flagged

